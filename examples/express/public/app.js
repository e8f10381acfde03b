// The demo page's script: plain JavaScript, no build step, type-checked through JSDoc. It calls
// the JSON API with the session token of the picked identity and renders every answer, errors
// included, from the JSON body (code and message).

/**
 * @typedef {{ code: string, message: string, details?: Record<string, unknown> }} ErrorBody
 * @typedef {{ key: string, label: string, userId: string, orgId: string | null, orgName: string | null, orgRole: string | null }} DevIdentity
 * @typedef {{ services: { identity: string, vectors: string, database: string, embedder: string }, devIdentities: DevIdentity[] | null }} AppConfig
 * @typedef {{ token: string, expiresAt: number, identity: DevIdentity }} DevSession
 * @typedef {{ userId: string, orgRole: string | null, tenant: { kind: string, id: string }, tenantKey: string, isPersonal: boolean, defaultVisibility: string, canErase: boolean }} Me
 * @typedef {{ id: string, title: string | null, source: string | null, visibility: string, state: string, ownerId: string, chunkCount: number, error: string | null }} DocumentView
 * @typedef {{ text: string, score: number, position: number, document: DocumentView }} ChunkView
 * @typedef {{ requested: number, returned: number, reason: string }} Shortfall
 * @typedef {{ chunks: ChunkView[], shortfall: Shortfall | null }} Retrieval
 * @typedef {{ id: string, title: string | null, updatedAt: string }} Thread
 * @typedef {{ id: string, role: string, content: string }} Message
 */

const SIGNED_OUT = 'signed-out';
const IDENTITY_STORAGE_KEY = 'scoped-rag-demo.identity';
const TOKEN_STORAGE_KEY = 'scoped-rag-demo.clerk-token';
/** Renew a session token this many seconds before it expires. */
const RENEW_MARGIN_SECONDS = 15;

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
function el(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}.`);
  return node;
}

/**
 * @param {string} tag
 * @param {string} [text]
 * @param {string} [className]
 */
function make(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

class ApiError extends Error {
  /**
   * @param {number} status
   * @param {ErrorBody} body
   */
  constructor(status, body) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

/** @type {Record<number, string>} */
const STATUS_TITLES = {
  400: 'Bad input',
  401: 'Signed out',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  500: 'Server error',
  503: 'Service unavailable',
};

/**
 * @param {unknown} value
 * @returns {value is ErrorBody}
 */
function isErrorBody(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (/** @type {Record<string, unknown>} */ (value).code) === 'string' &&
    typeof (/** @type {Record<string, unknown>} */ (value).message) === 'string'
  );
}

const state = {
  /** @type {AppConfig | null} */
  config: null,
  identityKey: SIGNED_OUT,
  /** @type {DevSession | null} */
  session: null,
  /** A session being minted, and for which identity: requests for another one don't wait on it. */
  /** @type {{ key: string, promise: Promise<DevSession> } | null} */
  pendingSession: null,
  /** Bumped on every identity switch: answers for an earlier identity are not rendered. */
  generation: 0,
  /** @type {string | null} */
  threadId: null,
};

/** The bearer token to send, or null (signed out, or Clerk's cookie does the work). */
async function sessionToken() {
  if (state.config?.devIdentities) {
    if (state.identityKey === SIGNED_OUT) return null;
    const now = Date.now() / 1000;
    const { session } = state;
    if (
      session &&
      session.identity.key === state.identityKey &&
      session.expiresAt - now > RENEW_MARGIN_SECONDS
    ) {
      return session.token;
    }
    const key = state.identityKey;
    if (state.pendingSession?.key !== key) {
      /** @type {Promise<DevSession>} */
      const promise = request('POST', '/api/dev/session', { identity: key }, null);
      const pending = { key, promise };
      state.pendingSession = pending;
      // The caller below sees a failure; this bookkeeping must not raise it a second time.
      promise
        .then(
          (minted) => {
            if (state.identityKey === key) state.session = minted;
          },
          () => {},
        )
        .finally(() => {
          if (state.pendingSession === pending) state.pendingSession = null;
        });
    }
    const { promise } = /** @type {{ promise: Promise<DevSession> }} */ (state.pendingSession);
    return (await promise).token;
  }
  const pasted = el('token-input', HTMLInputElement).value.trim();
  return pasted === '' ? null : pasted;
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 * @param {string | null} token
 * @returns {Promise<any>}
 */
async function request(method, path, body, token) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  /** @type {unknown} */
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      isErrorBody(payload)
        ? payload
        : {
            code: 'HTTP_ERROR',
            message: `The server answered ${response.status} without a JSON error.`,
          },
    );
  }
  return payload;
}

/**
 * Calls the API as the current identity.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function api(method, path, body) {
  return request(method, path, body, await sessionToken());
}

/**
 * Shows an error from the API's JSON body: status, what it means, the code and the message.
 * @param {HTMLElement} target
 * @param {unknown} error
 */
function showError(target, error) {
  target.hidden = false;
  target.replaceChildren();
  if (error instanceof ApiError) {
    target.dataset.status = String(error.status);
    target.dataset.code = error.body.code;
    const title = STATUS_TITLES[error.status] ?? 'Error';
    target.append(
      make('strong', `${error.status} ${title} · ${error.body.code}`),
      document.createTextNode(error.body.message),
    );
    return;
  }
  target.dataset.status = 'network';
  target.dataset.code = 'NETWORK';
  target.append(
    make('strong', 'The request failed'),
    document.createTextNode(error instanceof Error ? error.message : String(error)),
  );
}

/** @param {HTMLElement} target */
function clearError(target) {
  target.hidden = true;
  target.replaceChildren();
  delete target.dataset.status;
  delete target.dataset.code;
}

/**
 * Runs an action, showing its error in `errorTarget`; true when it succeeded.
 * @param {HTMLElement} errorTarget
 * @param {() => Promise<void>} action
 */
async function attempt(errorTarget, action) {
  clearError(errorTarget);
  try {
    await action();
    return true;
  } catch (error) {
    showError(errorTarget, error);
    return false;
  }
}

/** @param {number} generation */
const isCurrent = (generation) => generation === state.generation;

/** @param {Me} me */
function describeMe(me) {
  const where = me.isPersonal
    ? 'personal workspace'
    : `organization ${me.tenant.id} as ${me.orgRole ?? 'member'}`;
  return `Signed in as ${me.userId} · ${where} · tenant ${me.tenantKey}`;
}

async function loadMe() {
  const generation = state.generation;
  const whoami = el('whoami', HTMLElement);
  const globalError = el('global-error', HTMLElement);
  clearError(globalError);
  try {
    /** @type {Me} */
    const me = await api('GET', '/api/me');
    if (!isCurrent(generation)) return;
    whoami.textContent = describeMe(me);
    el('doc-visibility', HTMLSelectElement).value = me.defaultVisibility;
  } catch (error) {
    if (!isCurrent(generation)) return;
    whoami.textContent = 'Not signed in.';
    showError(globalError, error);
  }
}

async function loadDocuments() {
  const generation = state.generation;
  const body = /** @type {HTMLTableSectionElement} */ (
    el('documents', HTMLTableElement).tBodies[0]
  );
  const empty = el('documents-empty', HTMLElement);
  await attempt(el('documents-error', HTMLElement), async () => {
    try {
      /** @type {{ items: DocumentView[] }} */
      const page = await api('GET', '/api/documents');
      if (!isCurrent(generation)) return;
      body.replaceChildren(...page.items.map(documentRow));
      empty.hidden = page.items.length > 0;
    } catch (error) {
      if (isCurrent(generation)) {
        body.replaceChildren();
        empty.hidden = true;
      }
      throw error;
    }
  });
}

/** @param {DocumentView} doc */
function documentRow(doc) {
  const row = make('tr');
  row.dataset.id = doc.id;
  const title = make('td', doc.title ?? doc.id);
  const visibility = make('td');
  visibility.append(make('span', doc.visibility, `badge ${doc.visibility}`));
  const remove = make('button', 'Delete', 'secondary');
  remove.setAttribute('type', 'button');
  remove.setAttribute('aria-label', `Delete ${doc.title ?? doc.id}`);
  remove.addEventListener('click', () => deleteDocument(doc));
  const actions = make('td');
  actions.append(remove);
  row.append(
    title,
    visibility,
    make('td', doc.ownerId),
    make('td', doc.error ? `${doc.state}: ${doc.error}` : doc.state),
    make('td', String(doc.chunkCount)),
    actions,
  );
  return row;
}

/** @param {DocumentView} doc */
async function deleteDocument(doc) {
  const result = el('documents-result', HTMLElement);
  result.textContent = '';
  const ok = await attempt(el('documents-error', HTMLElement), async () => {
    /** @type {{ vectors: number, chunks: number }} */
    const receipt = await api('DELETE', `/api/documents/${encodeURIComponent(doc.id)}`);
    result.textContent = `Deleted "${doc.title ?? doc.id}": ${receipt.vectors} vector(s), ${receipt.chunks} chunk(s), verified gone.`;
  });
  if (ok) await loadDocuments();
}

async function loadThreads() {
  const generation = state.generation;
  const list = el('thread-list', HTMLUListElement);
  await attempt(el('threads-error', HTMLElement), async () => {
    try {
      /** @type {{ items: Thread[] }} */
      const page = await api('GET', '/api/threads');
      if (!isCurrent(generation)) return;
      list.replaceChildren(...page.items.map(threadItem));
      el('threads-empty', HTMLElement).hidden = page.items.length > 0;
      // The server titles a thread after its first message.
      const open = page.items.find((thread) => thread.id === state.threadId);
      if (open) el('thread-title', HTMLElement).textContent = open.title ?? 'Untitled thread';
    } catch (error) {
      if (isCurrent(generation)) {
        list.replaceChildren();
        el('threads-empty', HTMLElement).hidden = true;
      }
      throw error;
    }
  });
}

/** @param {Thread} thread */
function threadItem(thread) {
  const item = make('li');
  const open = make('button', thread.title ?? 'Untitled thread', 'secondary');
  open.setAttribute('type', 'button');
  open.dataset.id = thread.id;
  open.setAttribute('aria-current', String(thread.id === state.threadId));
  open.addEventListener('click', () => openThread(thread));
  item.append(open);
  return item;
}

/** @param {Thread} thread */
async function openThread(thread) {
  const generation = state.generation;
  state.threadId = thread.id;
  el('thread-title', HTMLElement).textContent = thread.title ?? 'Untitled thread';
  const messages = el('messages', HTMLOListElement);
  messages.replaceChildren();
  el('thread-view', HTMLElement).hidden = false;
  await attempt(el('threads-error', HTMLElement), async () => {
    /** @type {{ items: Message[] }} */
    const page = await api('GET', `/api/threads/${encodeURIComponent(thread.id)}/messages`);
    if (!isCurrent(generation) || state.threadId !== thread.id) return;
    messages.replaceChildren(...page.items.map(messageItem));
  });
  for (const button of el('thread-list', HTMLUListElement).querySelectorAll('button')) {
    button.setAttribute('aria-current', String(button.dataset.id === thread.id));
  }
}

/** @param {Message} message */
function messageItem(message) {
  const item = make('li');
  item.dataset.role = message.role;
  item.append(make('span', message.role, 'role'), make('p', message.content, 'message-text'));
  return item;
}

/**
 * @param {Retrieval} retrieval
 * @param {number} topK
 */
function shortfallNote(retrieval, topK) {
  const { shortfall } = retrieval;
  if (shortfall === null) return null;
  /** @type {Record<string, string>} */
  const reasons = {
    exhausted: 'this workspace holds no more chunks you may read',
    'below-min-score': 'the rest scored below the minimum',
    unavailable: 'some matches belong to documents being indexed, replaced or deleted',
  };
  return `Asked for ${topK}, got ${shortfall.returned}: ${reasons[shortfall.reason] ?? shortfall.reason}.`;
}

/** @param {SubmitEvent} event */
async function search(event) {
  event.preventDefault();
  const generation = state.generation;
  const query = el('search-query', HTMLInputElement).value;
  const results = el('search-results', HTMLOListElement);
  const note = el('search-shortfall', HTMLElement);
  const topK = 5;
  results.replaceChildren();
  delete results.dataset.query;
  note.hidden = true;
  await attempt(el('search-error', HTMLElement), async () => {
    /** @type {Retrieval} */
    const retrieval = await api('POST', '/api/search', { query, topK });
    if (!isCurrent(generation)) return;
    results.replaceChildren(
      ...retrieval.chunks.map((chunk) => {
        const item = make('li');
        const meta = make(
          'div',
          `score ${chunk.score.toFixed(3)} · ${chunk.document.title ?? chunk.document.id} · chunk ${chunk.position} · ${chunk.document.visibility} · owner ${chunk.document.ownerId}${chunk.document.source ? ` · source ${chunk.document.source}` : ''}`,
          'chunk-meta',
        );
        item.append(meta, make('p', chunk.text, 'chunk-text'));
        return item;
      }),
    );
    const text = shortfallNote(retrieval, topK);
    note.textContent = text ?? '';
    note.hidden = text === null;
    results.dataset.query = query;
  });
}

/** @param {SubmitEvent} event */
async function upload(event) {
  event.preventDefault();
  const result = el('upload-result', HTMLElement);
  result.textContent = '';
  const file = el('doc-file', HTMLInputElement).files?.[0];
  const ok = await attempt(el('upload-error', HTMLElement), async () => {
    /** @type {{ status: string, embedded: number, document: DocumentView }} */
    const answer = await api('POST', '/api/documents', {
      title: el('doc-title', HTMLInputElement).value,
      text: el('doc-text', HTMLTextAreaElement).value,
      visibility: el('doc-visibility', HTMLSelectElement).value,
      ...(file ? { source: file.name } : {}),
    });
    result.textContent = `"${answer.document.title}" ${answer.status} (${answer.document.visibility}, ${answer.document.chunkCount} chunk(s), ${answer.embedded} embedded, state ${answer.document.state}).`;
    el('upload-form', HTMLFormElement).reset();
  });
  if (ok) await loadDocuments();
}

async function readFile() {
  const file = el('doc-file', HTMLInputElement).files?.[0];
  if (!file) return;
  el('doc-text', HTMLTextAreaElement).value = await file.text();
  const title = el('doc-title', HTMLInputElement);
  if (title.value.trim() === '') title.value = file.name.replace(/\.[^.]+$/, '');
}

async function newThread() {
  await attempt(el('threads-error', HTMLElement), async () => {
    /** @type {Thread} */
    const thread = await api('POST', '/api/threads', {});
    await loadThreads();
    await openThread(thread);
  });
}

/** @param {SubmitEvent} event */
async function sendMessage(event) {
  event.preventDefault();
  const threadId = state.threadId;
  if (threadId === null) return;
  const input = el('message-input', HTMLTextAreaElement);
  const ok = await attempt(el('threads-error', HTMLElement), async () => {
    /** @type {{ messages: Message[] }} */
    const answer = await api('POST', `/api/threads/${encodeURIComponent(threadId)}/messages`, {
      content: input.value,
    });
    if (state.threadId !== threadId) return;
    el('messages', HTMLOListElement).append(...answer.messages.map(messageItem));
    input.value = '';
  });
  if (ok) await loadThreads();
}

async function eraseTenant() {
  const result = el('erase-result', HTMLElement);
  result.textContent = '';
  const ok = await attempt(el('erase-error', HTMLElement), async () => {
    /** @type {{ vectors: number, documents: number, chunks: number, threads: number | null, messages: number | null }} */
    const receipt = await api('POST', '/api/tenant/erase');
    result.textContent = `Erased ${receipt.documents} document(s), ${receipt.chunks} chunk(s), ${receipt.vectors} vector(s), ${receipt.threads ?? 0} thread(s), ${receipt.messages ?? 0} message(s); verified nothing is left.`;
  });
  if (ok) await reload();
}

/** Loads everything for the current identity; marks the page ready for it when done. */
async function reload() {
  delete document.body.dataset.ready;
  const generation = state.generation;
  state.threadId = null;
  el('thread-view', HTMLElement).hidden = true;
  el('search-results', HTMLOListElement).replaceChildren();
  el('search-shortfall', HTMLElement).hidden = true;
  for (const id of ['upload-error', 'search-error', 'erase-error']) clearError(el(id, HTMLElement));
  await Promise.all([loadMe(), loadDocuments(), loadThreads()]);
  if (isCurrent(generation)) document.body.dataset.ready = state.identityKey;
}

/** @param {string} key */
async function switchIdentity(key) {
  // Another identity starts from a clean page: nothing typed as the previous one carries over.
  el('upload-form', HTMLFormElement).reset();
  el('search-form', HTMLFormElement).reset();
  el('message-form', HTMLFormElement).reset();
  state.identityKey = key;
  state.session = null;
  state.generation += 1;
  localStorage.setItem(IDENTITY_STORAGE_KEY, key);
  el('identity-select', HTMLSelectElement).value = key;
  for (const id of ['upload-result', 'documents-result', 'erase-result']) {
    el(id, HTMLElement).textContent = '';
  }
  await reload();
}

/** @param {AppConfig} config */
function renderServices(config) {
  const { services } = config;
  el('services', HTMLElement).textContent =
    `Identity: ${services.identity === 'development' ? 'development switcher (local Clerk-shaped tokens)' : 'Clerk'} · vectors: ${services.vectors} · database: ${services.database} · embedder: ${services.embedder} · LLM: none`;
}

async function start() {
  /** @type {AppConfig} */
  const config = await request('GET', '/api/config', undefined, null);
  state.config = config;
  renderServices(config);
  el('upload-form', HTMLFormElement).addEventListener('submit', upload);
  el('doc-file', HTMLInputElement).addEventListener('change', readFile);
  el('search-form', HTMLFormElement).addEventListener('submit', search);
  el('new-thread', HTMLButtonElement).addEventListener('click', newThread);
  el('message-form', HTMLFormElement).addEventListener('submit', sendMessage);
  el('erase-tenant', HTMLButtonElement).addEventListener('click', eraseTenant);

  if (config.devIdentities) {
    const select = el('identity-select', HTMLSelectElement);
    select.replaceChildren(
      ...config.devIdentities.map((identity) => {
        const option = make('option', identity.label);
        option.setAttribute('value', identity.key);
        return option;
      }),
    );
    const signedOut = make('option', 'Signed out (no session)');
    signedOut.setAttribute('value', SIGNED_OUT);
    select.append(signedOut);
    select.addEventListener('change', () => switchIdentity(select.value));
    el('dev-switcher', HTMLElement).hidden = false;
    const saved = localStorage.getItem(IDENTITY_STORAGE_KEY);
    const keys = [...config.devIdentities.map((identity) => identity.key), SIGNED_OUT];
    const first = config.devIdentities[0]?.key ?? SIGNED_OUT;
    await switchIdentity(saved !== null && keys.includes(saved) ? saved : first);
  } else {
    const input = el('token-input', HTMLInputElement);
    input.value = sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? '';
    input.addEventListener('change', () => {
      sessionStorage.setItem(TOKEN_STORAGE_KEY, input.value.trim());
      state.generation += 1;
      reload();
    });
    el('clerk-signin', HTMLElement).hidden = false;
    state.identityKey = 'clerk';
    await reload();
  }
}

start().catch((error) => showError(el('global-error', HTMLElement), error));
