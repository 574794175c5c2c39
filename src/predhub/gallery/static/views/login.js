import { api, setToken } from "../api.js";

export function loginView(view, onLoggedIn) {
  view.innerHTML = `
    <form class="panel" id="login" style="max-width:420px">
      <h2>Log in</h2>
      <p class="muted">Paste an API token (<code>predhub</code> prints one on first start).</p>
      <input name="token" type="password" placeholder="ph_…" style="width:100%" autocomplete="off">
      <p><button type="submit">Log in</button> <span class="error" id="login-error"></span></p>
    </form>`;
  view.querySelector("#login").addEventListener("submit", async (event) => {
    event.preventDefault();
    setToken(event.target.token.value.trim());
    try { await api("/me"); onLoggedIn(); } catch (e) {
      setToken(null);
      view.querySelector("#login-error").textContent = e.message;
    }
  });
}
