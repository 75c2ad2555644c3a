// The Recordings screen's markup (logic: list.js). Our own constant markup, run by Alpine;
// remote text (user names, server names, excerpts) only ever goes in through x-text.
import Alpine from "../../vendor/alpine/alpine.esm.min.js";
import "./list.js";

const SCREEN = `
<div class="screen recordings" x-data="recordingsScreen">
  <header class="screen-head">
    <h2>Recordings</h2>
    <p class="muted">Terminal sessions recorded by the gateway, newest first. Replay them here, search what they printed, or download the .cast file.</p>
  </header>
  <details class="card filter-box" x-ref="filterBox" open>
    <summary>Filters</summary>
    <form method="dialog" class="filters" @submit.prevent="apply()" aria-label="Filters">
      <div class="field"><label for="rec-q">Title</label><input id="rec-q" type="search" x-model="filters.q" placeholder="alice@web-1" autocomplete="off"></div>
      <div class="field" x-show="isAdmin()"><label for="rec-user">User</label><input id="rec-user" x-model="filters.user" placeholder="username" autocomplete="off"></div>
      <div class="field"><label for="rec-server">Server</label><input id="rec-server" x-model="filters.server" placeholder="server name" autocomplete="off"></div>
      <div class="field"><label for="rec-since">From</label><input id="rec-since" type="datetime-local" x-model="filters.since"></div>
      <div class="field"><label for="rec-until">Until</label><input id="rec-until" type="datetime-local" x-model="filters.until"></div>
      <div class="filters-actions">
        <button class="btn btn-primary" type="submit">Search</button>
        <button class="btn btn-ghost" type="button" @click="reset()">Reset</button>
      </div>
    </form>
  </details>

  <section class="card rec-output" aria-labelledby="rec-output-title">
    <h3 id="rec-output-title">Search the output</h3>
    <form method="dialog" class="rec-output-form" role="search" aria-label="Search the output" @submit.prevent="searchOutput()">
      <input id="rec-output-q" class="mono" type="search" x-model="output" placeholder="rm -rf" autocomplete="off" aria-label="Text printed in a session">
      <button class="btn" type="submit" :disabled="searching">Find sessions</button>
      <button class="btn btn-ghost" type="button" x-show="searched" @click="clearSearch()">Clear</button>
    </form>
    <p class="muted small">Finds the sessions whose screen showed this text (colours and other terminal codes ignored), within the filters above.</p>
    <p class="muted" role="status" x-text="matchSummary()"></p>
    <p class="form-error" role="alert" x-show="searchError" x-text="searchError"></p>
    <p class="muted" x-show="noMatches()">No recorded session printed this text.</p>
    <ul class="rec-matches" x-show="hasMatches()" aria-label="Matches">
      <template x-for="m in matches" :key="m.key">
        <li class="rec-match">
          <div class="rec-match-head">
            <strong x-text="matchTitle(m)"></strong>
            <span class="muted small" x-text="matchWhen(m)"></span>
            <span class="grow"></span>
            <a class="btn btn-small" :href="matchLink(m)" @click.prevent="openMatch(m)" :aria-label="matchLabel(m)"><span>Replay </span><span x-text="matchAt(m)"></span></a>
          </div>
          <code class="rec-excerpt" x-text="m.excerpt"></code>
        </li>
      </template>
    </ul>
  </section>

  <div class="toolbar">
    <span class="muted" role="status" x-text="countLabel()"></span>
    <span class="grow"></span>
    <button class="btn btn-small" type="button" @click="load()">Refresh</button>
  </div>
  <p class="form-error" role="alert" x-show="error" x-text="error"></p>
  <div class="card rec-empty" x-show="isEmpty()">
    <p><strong>No recording matches.</strong></p>
    <p class="muted">With recording on, every terminal session appears here once it starts.</p>
  </div>
  <div class="card table-wrap" x-show="hasRows()">
    <table class="data-table rec-table">
      <thead><tr><th scope="col">User</th><th scope="col">Server</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Size</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        <template x-for="rec in recordings" :key="rec.id">
          <tr :aria-label="label('Recording of', rec)">
            <td data-label="User"><button type="button" class="link-btn" @click="byUser(rec)" x-text="rec.user" title="Show only this user"></button></td>
            <td data-label="Server"><span class="rec-server"><button type="button" class="link-btn" @click="byServer(rec)" x-text="serverName(rec)" title="Show only this server"></button><span class="muted small" x-show="subtitle(rec)" x-text="subtitle(rec)"></span></span></td>
            <td data-label="Started"><span><span class="nowrap" x-text="started(rec)"></span> <span class="muted small nowrap" x-text="age(rec)"></span></span></td>
            <td data-label="Duration" class="nowrap" x-text="length(rec)"></td>
            <td data-label="Size" class="nowrap mono small" x-text="size(rec)"></td>
            <td data-label="Status"><span :class="statusClass(rec)" :title="statusHint(rec)" x-text="status(rec)"></span></td>
            <td class="rec-actions">
              <button class="btn btn-small btn-primary" type="button" @click="replay(rec)" :aria-label="label('Replay', rec)">Replay</button>
              <a class="btn btn-small" :href="castUrl(rec)" :download="castName(rec)" :aria-label="label('Download', rec)">Download</a>
              <button class="btn btn-small btn-danger-ghost" type="button" x-show="isAdmin()" @click="remove(rec)" :aria-label="label('Delete', rec)">Delete</button>
            </td>
          </tr>
        </template>
      </tbody>
    </table>
  </div>
  <div class="row center"><button class="btn" type="button" x-show="hasMore()" :disabled="loading" @click="more()">Load more</button></div>
</div>`;

export function mountRecordings(el) {
  const template = document.createElement("template");
  template.innerHTML = SCREEN.trim();
  el.append(template.content);
  Alpine.initTree(el);
  return {
    unmount() {
      Alpine.destroyTree(el);
    },
  };
}
