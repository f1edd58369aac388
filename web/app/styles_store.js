// Styles a user uploads, kept in the browser (IndexedDB, per site) so they are there after a reload.
// Failing storage (private windows, full quota) only means the style is not kept.

const DB = 'rlministyler';
const STORE = 'styles';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'name' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Keep an uploaded style (replacing one of the same name). */
export const keepStyle = (name, blob) => transact('readwrite', (s) => s.put({ name, blob, added: Date.now() }));

/** Forget a kept style. */
export const forgetStyle = (name) => transact('readwrite', (s) => s.delete(name));

/** The kept styles, oldest first: [{name, blob}]. */
export async function keptStyles() {
  const all = await transact('readonly', (s) => s.getAll());
  return (all || []).sort((a, b) => a.added - b.added);
}
