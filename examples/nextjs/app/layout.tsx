// The root layout: plain HTML and system fonts (no next/font/google, nothing fetched at build).
import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'scoped-rag · Next.js',
  description: 'Tenant-scoped retrieval and chat threads behind Clerk, on Next.js.',
};

export default function RootLayout({ children }: { readonly children: ReactNode }) {
  return (
    <html lang="en">
      <body
        style={{
          fontFamily: 'system-ui, sans-serif',
          maxWidth: '44rem',
          margin: '2rem auto',
          padding: '0 1rem',
          lineHeight: 1.5,
        }}
      >
        {children}
      </body>
    </html>
  );
}
