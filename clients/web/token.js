// Where the reviewer token comes from: the page URL once, then localStorage,
// else a sign-in form.

const KEY = 'ringside.token';

// Returns the token to use now, or null when the reviewer must sign in.
// A token in ?token=... is stored and removed from the address bar so it
// does not stay in the history or get copied along with the link.
export function tokenTake() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    localStorage.setItem(KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return localStorage.getItem(KEY);
}

export function tokenForget() {
  localStorage.removeItem(KEY);
}

// Shows the sign-in form with MESSAGE; calls onToken(token) once with what
// the reviewer typed (already stored).
export function tokenAsk(message, onToken) {
  const dialog = document.getElementById('signin');
  const form = document.getElementById('signin-form');
  const input = document.getElementById('signin-token');
  document.getElementById('signin-msg').textContent = message || '';
  input.value = '';
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    localStorage.setItem(KEY, token);
    dialog.close();
    onToken(token);
  };
  // The form is the only way forward: Escape must not leave a page that
  // can never connect.
  dialog.oncancel = (ev) => ev.preventDefault();
  if (!dialog.open) dialog.showModal();
  input.focus();
}
