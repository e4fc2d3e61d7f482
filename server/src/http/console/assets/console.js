// The wishlist jobs console: confirm and run a job without leaving the page, keep the
// "running" state and the buttons current, and show times in the viewer's own timezone.
// Without this script the page still works: forms post and the server redirects back.
(() => {
  const base = '/admin/wishlist-jobs';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const result = document.getElementById('result');
  const trouble = document.getElementById('trouble');
  let busy = false;

  const localize = () => {
    for (const t of document.querySelectorAll('time[datetime]:not([data-localized])')) {
      const local = document.createElement('span');
      local.className = 'local';
      local.textContent = ` · your time: ${new Date(t.dateTime).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}`;
      t.after(local);
      t.dataset.localized = '1';
    }
  };

  // Re-reads the page and swaps in the sections that change.
  const refresh = async () => {
    const res = await fetch(location.pathname, { headers: { accept: 'text/html' } });
    if (res.redirected) return location.assign(res.url); // signed out meanwhile
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    if (!res.ok) {
      // The server's error page says why (the database not answering, say).
      const why = doc.querySelector('p')?.textContent || `HTTP ${res.status}`;
      result.textContent += ` (The page could not be refreshed: ${why}; reload to try again.)`;
      return;
    }
    for (const id of ['watch', 'suppressions', 'jobs', 'history', 'notifications']) {
      const fresh = doc.getElementById(id);
      if (fresh) document.getElementById(id).replaceWith(document.adoptNode(fresh));
    }
    localize();
    bind();
  };

  const bind = () => {
    for (const form of document.querySelectorAll('form.lift:not([data-bound])')) {
      form.dataset.bound = '1';
      form.addEventListener('submit', (event) => {
        if (!window.confirm('Lift this suppression? Alerts to this address will be sent again.')) event.preventDefault();
      });
    }
    for (const form of document.querySelectorAll('form.run-now:not([data-bound])')) {
      form.dataset.bound = '1';
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const job = form.dataset.job;
        if (!window.confirm(`Run ${job} now? Shoppers who are due an alert will be emailed.`)) return;
        const button = form.querySelector('button');
        button.disabled = true;
        busy = true;
        result.textContent = `Running ${job}…`;
        try {
          const res = await fetch(form.action, { method: 'POST', headers: { 'x-csrf-token': csrf, accept: 'application/json' } });
          const body = await res.json();
          if (res.ok) {
            const d = body.data;
            const suppressed = d.suppressed ? `, ${d.suppressed} suppressed` : '';
            result.textContent = `${job} finished: ${d.checked} checked, ${d.notified} notified, ${d.emails} emails, ${d.errors} errors${suppressed}.`;
          } else {
            result.textContent = `${job} did not run: ${body.error}`;
          }
        } catch (err) {
          result.textContent = `${job} could not be started: ${err.message}`;
        } finally {
          busy = false;
          await refresh();
        }
      });
    }
  };

  // Keeps "running" and the buttons current while a run happens on any instance, and says
  // so while the server cannot answer (the database not answering).
  const poll = async () => {
    if (busy || document.hidden) return;
    try {
      const res = await fetch(`${base}/state`, { headers: { accept: 'application/json' } });
      if (res.status === 401) return location.assign(`${base}/sign-in`);
      const body = await res.json();
      if (!res.ok) {
        trouble.textContent = `${body.error || `HTTP ${res.status}`} (trying again every few seconds)`;
        return;
      }
      const { data } = body;
      let changed = trouble.textContent !== '';
      trouble.textContent = '';
      for (const j of data.jobs) {
        const state = document.querySelector(`article[data-job="${j.name}"] .running-state`);
        if (state && state.dataset.running !== String(j.running)) changed = true;
      }
      if (changed) await refresh();
    } catch {
      // The next poll tries again.
    }
  };

  localize();
  bind();
  setInterval(poll, 3000);
})();
