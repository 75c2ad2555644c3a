// The Webhooks screen's markup (logic: editor.js, log.js). Our own constant markup, run by
// Alpine; remote text (URLs, event names, errors) only ever goes in through x-text.
import Alpine from "../../vendor/alpine/alpine.esm.min.js";
import "./editor.js";

const SCREEN = `
<div class="screen webhooks" x-data="webhooksScreen">
  <header class="screen-head">
    <h2>Webhooks</h2>
    <p class="muted">Audited events, sent as signed JSON to receivers you name. Deliveries wait in a queue that survives restarts and are retried until the receiver answers.</p>
  </header>
  <p class="form-error" role="alert" x-show="error" x-text="error"></p>
  <div class="screen-columns">
    <section class="card" aria-labelledby="wh-list-title">
      <div class="card-head">
        <h3 id="wh-list-title">Receivers</h3>
        <button class="btn btn-small btn-primary" type="button" @click="startCreate()">New webhook</button>
      </div>
      <div class="wh-empty" x-show="isEmpty()">
        <p><strong>No webhook yet.</strong></p>
        <p class="muted">Add one to send logins, connections, file operations and admin changes to a SIEM, a chat or your own service.</p>
      </div>
      <div class="table-wrap" x-show="hasRows()">
        <table class="data-table wh-table">
          <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Queue</th></tr></thead>
          <tbody>
            <template x-for="hook in webhooks" :key="hook.id">
              <tr :class="{ selected: isSelected(hook) }">
                <td data-label="URL"><div>
                  <button type="button" class="link-btn wh-url" @click="select(hook)" :aria-pressed="isSelected(hook)" :aria-label="rowLabel(hook)" x-text="hook.url"></button>
                  <div class="muted small" x-show="hook.description" x-text="hook.description"></div>
                </div></td>
                <td data-label="Events" class="mono small" x-text="eventsLabel(hook)"></td>
                <td data-label="State"><span :class="stateClass(hook)" x-text="stateLabel(hook)"></span></td>
                <td data-label="Queue" class="small nowrap" x-text="queueLabel(hook)"></td>
              </tr>
            </template>
          </tbody>
        </table>
      </div>
    </section>

    <section class="card" x-show="isEditing()" aria-labelledby="wh-form-title">
      <div class="card-head">
        <h3 id="wh-form-title" x-text="formTitle()"></h3>
        <button class="icon-btn icon-btn-small" type="button" @click="close()" aria-label="Close">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
        </button>
      </div>
      <form method="dialog" class="stack" @submit.prevent="save()" aria-label="Webhook">
        <div class="field">
          <label for="wh-url">Receiver URL</label>
          <input id="wh-url" type="url" class="mono" x-model="form.url" placeholder="https://siem.example.com/sshgate" autocomplete="off" required>
        </div>
        <div class="field">
          <label for="wh-description">Description</label>
          <input id="wh-description" x-model="form.description" placeholder="Security team's SIEM" autocomplete="off">
        </div>
        <div class="field">
          <label for="wh-events">Events</label>
          <div class="chip-input">
            <template x-for="name in form.events" :key="name">
              <span class="chip mono"><span x-text="name"></span><button type="button" class="chip-remove" @click="removeEvent(name)" :aria-label="removeEventLabel(name)">×</button></span>
            </template>
            <input id="wh-events" list="wh-catalogue" x-model="eventDraft" @keydown="onEventKey($event)" @change="addEvents()" placeholder="auth.*, then Enter" autocomplete="off" aria-describedby="wh-events-hint">
          </div>
          <datalist id="wh-catalogue"><template x-for="e in catalogue" :key="e.name"><option :value="e.name" x-text="e.description"></option></template></datalist>
          <p id="wh-events-hint" class="hint" x-text="catalogueHint()"></p>
        </div>
        <div class="field">
          <label for="wh-headers">Custom headers</label>
          <textarea id="wh-headers" rows="2" class="mono" x-model="form.headersText" placeholder="Authorization: Bearer receiver-token" spellcheck="false" aria-describedby="wh-headers-hint"></textarea>
          <p id="wh-headers-hint" class="hint" x-text="headerHint()"></p>
          <label class="switch" x-show="hasStoredHeaders()"><input type="checkbox" role="switch" x-model="form.clearHeaders"><span>Remove the stored headers</span></label>
        </div>
        <label class="switch"><input type="checkbox" role="switch" x-model="form.enabled"><span>Enabled: queue and send events</span></label>
        <p class="form-error" role="alert" x-show="formError" x-text="formError"></p>
        <div class="row wrap">
          <button class="btn btn-primary" type="submit" :disabled="saving" x-text="saveLabel()"></button>
          <span class="grow"></span>
          <button class="btn btn-small" type="button" x-show="!isCreating()" :disabled="testing" @click="sendTest()">Send test</button>
          <button class="btn btn-small" type="button" x-show="!isCreating()" @click="rotateSecret()">Rotate secret</button>
          <button class="btn btn-small btn-danger-ghost" type="button" x-show="!isCreating()" @click="remove()">Delete</button>
        </div>
      </form>
    </section>
  </div>

  <section class="card" x-show="hasSelection()" aria-labelledby="wh-log-title">
    <div class="card-head">
      <h3 id="wh-log-title">Delivery log</h3>
      <div class="wh-log-tools">
        <label class="sr-only" for="wh-log-status">Show</label>
        <select id="wh-log-status" x-model="logStatus" @change="loadLog()">
          <option value="">All deliveries</option>
          <option value="pending">Retrying</option>
          <option value="delivered">Delivered</option>
          <option value="dead">Failed</option>
        </select>
        <button class="btn btn-small" type="button" @click="loadLog()">Refresh</button>
      </div>
    </div>
    <p class="form-error" role="alert" x-show="logError" x-text="logError"></p>
    <p class="muted" x-show="noDeliveries()">Nothing delivered yet. Send a test, or wait for a subscribed event.</p>
    <div class="table-wrap" x-show="hasDeliveries()">
      <table class="data-table wh-log" aria-label="Deliveries">
        <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Response</th><th scope="col">Latency</th><th scope="col">Queued</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          <template x-for="d in deliveries" :key="d.id">
            <tr :class="{ selected: isOpen(d) }">
              <td data-label="Event"><div><div class="mono small" x-text="d.event"></div><div class="muted small mono wh-id" x-text="d.id"></div></div></td>
              <td data-label="Status"><div><span :class="statusClass(d)" :title="statusHint(d)" x-text="statusLabel(d)"></span><div class="muted small wh-error" x-show="d.error" x-text="d.error"></div></div></td>
              <td data-label="Attempts" x-text="d.attempts"></td>
              <td data-label="Response" class="mono" x-text="codeLabel(d)"></td>
              <td data-label="Latency" class="nowrap" x-text="latencyLabel(d)"></td>
              <td data-label="Queued"><div><span class="nowrap" x-text="whenLabel(d)"></span> <span class="muted small nowrap" x-text="ageLabel(d)"></span></div></td>
              <td class="wh-actions">
                <button class="btn btn-small btn-ghost" type="button" @click="toggle(d)" :aria-expanded="isOpen(d)" :aria-label="deliveryLabel('Details of', d)">Details</button>
                <button class="btn btn-small" type="button" x-show="canRedeliver(d)" @click="redeliver(d)" :aria-label="deliveryLabel('Redeliver', d)">Redeliver</button>
              </td>
            </tr>
          </template>
        </tbody>
      </table>
    </div>
    <div class="wh-detail" x-show="openId">
      <h4>Attempts</h4>
      <ol class="wh-attempts" aria-label="Attempts">
        <template x-for="a in attempts" :key="a.attempt">
          <li><span class="mono small" x-text="attemptLine(a)"></span><code class="wh-response" x-show="a.response" x-text="a.response"></code></li>
        </template>
      </ol>
      <h4>Payload</h4>
      <pre class="wh-payload" x-text="payload"></pre>
    </div>
    <div class="row center"><button class="btn" type="button" x-show="hasMoreLog()" @click="moreLog()">Load more</button></div>
  </section>
</div>`;

export function mountWebhooks(el) {
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
