import {
  buildContext,
  citedSources,
  contextMessages,
  createIdentity,
  createLocalEmbedder,
  createMemoryVectorStore,
  createRecursiveChunker,
  createScopedVectorStore,
  embedAll,
  userPolicy,
} from '@scoped-rag/core';

// Deterministic and offline; in production: createOpenAIEmbedder({ apiKey, model: 'text-embedding-3-small' }).
const embedder = createLocalEmbedder();
const chunker = createRecursiveChunker({ chunkSize: 120, chunkOverlap: 40 });
const vectors = createScopedVectorStore({
  store: createMemoryVectorStore({ dimensions: embedder.dimensions }),
  policy: userPolicy(),
});
const alice = vectors.forIdentity(createIdentity({ userId: 'user_alice' }));

const handbook = {
  id: 'handbook',
  title: 'Customer handbook',
  text: `Refunds are paid to the original card within 14 days of the return arriving.

Shipping is free for orders over 50 euros. Parcels leave our warehouse within two working days.

Support is open Monday to Friday, 9:00 to 17:00.`,
};

// Ingest: chunk, embed in batches, upsert (a pipeline keeps chunk text in a database instead).
const chunks = chunker.chunk(handbook.text);
const values = await embedAll(
  embedder,
  chunks.map((chunk) => chunk.text),
);
await alice.upsert(
  chunks.map((chunk, i) => ({
    id: `${handbook.id}#${chunk.position}`,
    values: values[i]!,
    metadata: {
      documentId: handbook.id,
      title: handbook.title,
      position: chunk.position,
      text: chunk.text,
    },
  })),
);

// Retrieve and build the prompt.
const question = 'How long do refunds take?';
const [queryVector] = await embedAll(embedder, [question], { purpose: 'query' });
const { matches } = await alice.query({ vector: queryVector!, topK: 2 });
const context = buildContext(
  matches.map((match) => ({
    documentId: String(match.metadata.documentId),
    title: String(match.metadata.title),
    position: Number(match.metadata.position),
    text: String(match.metadata.text),
    score: match.score,
  })),
  { maxChars: 4_000 },
);
const messages = contextMessages(context, [{ role: 'user', content: question }]);
console.log(messages.map((message) => message.role)); // [ 'system', 'user' ]
console.log(matches[0]?.metadata.text); // Refunds are paid to the original card within 14 days of the return arriving.

// With the AI SDK: const { text } = await generateText({ model, messages });
const answer = 'Refunds reach your card within 14 days [1].';
console.log(citedSources(answer, context).map((source) => source.title)); // [ 'Customer handbook' ]

export { messages };
