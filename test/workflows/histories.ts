// Recorded workflow histories, kept as JSON for the replay test. Stored as protobufjs plain objects
// (string longs, enum names, base64 bytes): historyToJSON in @temporalio/common 1.24 throws "type must be a Type".
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';

const History = temporal.api.history.v1.History;
export const HISTORY_DIR = new URL('./histories/', import.meta.url);

export async function saveHistory(client: Client, workflowId: string, file: string, runId?: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const plain = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
  await writeFile(new URL(file, HISTORY_DIR), `${JSON.stringify({ workflowId, history: plain }, null, 1)}\n`);
}

export async function loadHistories(): Promise<{ file: string; workflowId: string; history: temporal.api.history.v1.IHistory }[]> {
  const files = (await readdir(HISTORY_DIR)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const saved = JSON.parse(await readFile(new URL(file, HISTORY_DIR), 'utf8')) as { workflowId: string; history: object };
      return { file, workflowId: saved.workflowId, history: History.fromObject(saved.history) };
    }),
  );
}
