/**
 * @module Events (docs/http-api.md, "Events"): the list (filtered by type, integration, user and delivery status,
 * oldest first as the feed is), one event's payload and delivery state, and redelivery: of one event, or of every
 * dead one. Redelivery only makes events due again; the delivery worker sends them, under the same id.
 */
import { Hono } from 'hono'
import type { Event } from '../../storage/event-view.js'
import type { EventDeliveryStatus } from '../../storage/schema.js'
import { ActionButton, formatTime, IntegrationUserFilters } from './controls.js'
import type { DashboardContext, DashboardDeps, DashboardEnv, DashboardRecord } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields, noticeOf, queryField, redirectShowing, shownRecord } from './form-input.js'
import { Layout } from './layout.js'

const pageSize = 50

/** The types the hub emits (docs/http-api.md, "Events"); a filter may still name another. */
const eventTypes = [
  'connection.created',
  'connection.deleted',
  'connection.refresh_failed',
  'connection.needs_reauth',
  'connection.recovered',
  'webhook.received',
]

const deliveryStatuses: readonly EventDeliveryStatus[] = ['pending', 'retrying', 'delivered', 'dead']

const isDeliveryStatus = (value: string | undefined): value is EventDeliveryStatus =>
  deliveryStatuses.includes(value as EventDeliveryStatus)

export function eventPages(
  deps: DashboardDeps,
  guards: DashboardGuards,
  { base, records }: DashboardContext,
): Hono<DashboardEnv> {
  const failed = (message: string): DashboardRecord => ({ kind: 'notice', notice: { kind: 'error', text: message } })
  const done = (text: string): DashboardRecord => ({ kind: 'notice', notice: { kind: 'ok', text } })

  return new Hono<DashboardEnv>()
    .get('/events', guards.page, async (c) => {
      const csrfToken = c.get('session').csrfToken
      const filter = {
        type: queryField(c, 'type'),
        integration: queryField(c, 'integration'),
        userId: queryField(c, 'userId'),
        status: queryField(c, 'status'),
      }
      const cursor = queryField(c, 'cursor')
      const badStatus = filter.status !== undefined && !isDeliveryStatus(filter.status)
      const listed = badStatus
        ? ({ ok: false, message: 'status: one of pending, retrying, delivered, dead' } as const)
        : await attempt(() =>
            deps.events.list({
              limit: pageSize,
              type: filter.type,
              integration: filter.integration,
              userId: filter.userId,
              status: isDeliveryStatus(filter.status) ? filter.status : undefined,
              cursor,
            }),
          )
      const nextQuery = new URLSearchParams()
      for (const [name, value] of Object.entries(filter)) if (value !== undefined) nextQuery.set(name, value)
      // As a feed, a page with events always has a cursor to poll from: only a full page says there may be more.
      const more = listed.ok && listed.value.nextCursor !== null && listed.value.data.length === pageSize
      if (more && listed.value.nextCursor !== null) nextQuery.set('cursor', listed.value.nextCursor)
      const types =
        filter.type === undefined || eventTypes.includes(filter.type) ? eventTypes : [...eventTypes, filter.type]
      const scope: Record<string, string> = {}
      if (filter.type !== undefined) scope.type = filter.type
      if (filter.integration !== undefined) scope.integration = filter.integration
      return c.html(
        <Layout
          frame={{ base, csrfToken }}
          title="Events"
          section="events"
          times={listed.ok && listed.value.data.length > 0}
          notice={listed.ok ? noticeOf(c, await shownRecord(c, records)) : { kind: 'error', text: listed.message }}
        >
          <form method="get" action={`${base}/events`} class="filters">
            <label>
              Type
              <select name="type">
                <option value="">any</option>
                {types.map((type) => (
                  <option selected={type === filter.type}>{type}</option>
                ))}
              </select>
            </label>
            <IntegrationUserFilters
              integrations={deps.integrations.keys()}
              integration={filter.integration}
              userId={filter.userId}
            />
            <label>
              Delivery
              <select name="status">
                <option value="">any</option>
                {deliveryStatuses.map((status) => (
                  <option selected={status === filter.status}>{status}</option>
                ))}
              </select>
            </label>
            <button type="submit" class="secondary">
              Filter
            </button>
          </form>
          <div class="actions">
            <ActionButton
              action={`${base}/events/redeliver-dead`}
              csrfToken={csrfToken}
              label="Redeliver all dead"
              kind="secondary"
              fields={scope}
            />
            <span class="muted">
              {Object.keys(scope).length === 0
                ? 'Every dead event is sent again.'
                : 'Every dead event of this type and integration is sent again.'}
            </span>
          </div>
          {listed.ok ? <EventTable events={listed.value.data} base={base} /> : null}
          {more ? (
            <p class="pager">
              <a href={`${base}/events?${nextQuery}`}>Later events</a>
            </p>
          ) : null}
        </Layout>,
      )
    })
    .get('/events/:id', guards.page, async (c) => {
      const csrfToken = c.get('session').csrfToken
      const found = await attempt(() => deps.events.get(c.req.param('id')))
      if (!found.ok) return c.notFound()
      const event = found.value
      const { delivery } = event
      const body = event.type === 'webhook.received' ? event.data.body : undefined
      const data =
        typeof body === 'string'
          ? Object.fromEntries(Object.entries(event.data).filter(([k]) => k !== 'body'))
          : event.data
      return c.html(
        <Layout
          frame={{ base, csrfToken }}
          title="Event"
          section="events"
          times
          notice={noticeOf(c, await shownRecord(c, records))}
        >
          <section class="card">
            <dl class="facts">
              <dt>When</dt>
              <dd>{formatTime(event.createdAt)}</dd>
              <dt>Type</dt>
              <dd>
                <code>{event.type}</code>
              </dd>
              <dt>Integration</dt>
              <dd>{integrationOf(event)}</dd>
              <dt>User</dt>
              <dd>{userOf(event)}</dd>
              <dt>Id</dt>
              <dd>
                <code>{event.id}</code>
              </dd>
            </dl>
          </section>
          <h2>Delivery</h2>
          <section class="card">
            <dl class="facts">
              <dt>Status</dt>
              <dd class={statusClass(delivery.status)}>{delivery.status}</dd>
              <dt>Attempts</dt>
              <dd>{delivery.attempts}</dd>
              <dt>Last attempt</dt>
              <dd>{formatTime(delivery.lastAttemptAt)}</dd>
              <dt>Next attempt</dt>
              <dd>{formatTime(delivery.nextAttemptAt)}</dd>
              <dt>Delivered at</dt>
              <dd>{formatTime(delivery.deliveredAt)}</dd>
              <dt>Last error</dt>
              <dd>{delivery.lastError ?? '–'}</dd>
            </dl>
            <div class="actions">
              <ActionButton
                action={`${base}/events/redeliver`}
                csrfToken={csrfToken}
                label="Redeliver"
                kind="secondary"
                fields={{ id: event.id }}
              />
              <span class="muted">Sent again now, under the same id.</span>
            </div>
          </section>
          <h2>Data</h2>
          <pre>{JSON.stringify(data, null, 2)}</pre>
          {typeof body === 'string' ? (
            <>
              <h2>The provider's body, as received</h2>
              <pre>{body}</pre>
            </>
          ) : null}
          <p>
            <a href={`${base}/events`}>All events</a>
          </p>
        </Layout>,
      )
    })
    .post('/events/redeliver', guards.page, guards.action, async (c) => {
      const id = (await formFields(c))('id') ?? ''
      const redelivered = await attempt(() => deps.events.redeliver(id))
      if (!redelivered.ok) return redirectShowing(c, records, `${base}/events`, failed(redelivered.message))
      return redirectShowing(
        c,
        records,
        `${base}/events/${encodeURIComponent(redelivered.value.id)}`,
        done('Redelivery queued: the event is due now and is sent again under the same id.'),
      )
    })
    .post('/events/redeliver-dead', guards.page, guards.action, async (c) => {
      const field = await formFields(c)
      const scope = { type: field('type'), integration: field('integration') }
      const redelivered = await attempt(() => deps.events.redeliverMany({ status: 'dead', ...scope }))
      const back = new URLSearchParams()
      for (const [name, value] of Object.entries(scope)) if (value !== undefined) back.set(name, value)
      const path = `${base}/events${back.size === 0 ? '' : `?${back}`}`
      if (!redelivered.ok) return redirectShowing(c, records, path, failed(redelivered.message))
      const { count } = redelivered.value
      return redirectShowing(
        c,
        records,
        path,
        done(
          count === 0
            ? 'No dead event to redeliver.'
            : `Redelivery queued for ${count} dead ${count === 1 ? 'event' : 'events'}: due now.`,
        ),
      )
    })
}

const statusClass = (status: EventDeliveryStatus) =>
  status === 'delivered' ? 'status-ok' : status === 'pending' ? undefined : 'status-error'

/** The integration an event is about: `data.integration` for every type the hub emits. */
function integrationOf(event: Event): string {
  const integration = event.data.integration
  return typeof integration === 'string' ? integration : '–'
}

/** A connection event's user (`data.userId`), or the users a webhook was linked to (`data.userIds`). */
function userOf(event: Event): string {
  const { userId, userIds } = event.data
  if (typeof userId === 'string') return userId
  if (Array.isArray(userIds) && userIds.length > 0) return userIds.filter((id) => typeof id === 'string').join(', ')
  return '–'
}

function EventTable(props: { events: readonly Event[]; base: string }) {
  if (props.events.length === 0) return <p class="muted">No event matches yet.</p>
  return (
    <div class="scroll">
      <table class="events cards">
        <thead>
          <tr>
            <th>When</th>
            <th>Type</th>
            <th>Integration</th>
            <th>User</th>
            <th>Delivery</th>
            <th>Attempts</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((event) => (
            <tr>
              <td data-label="When">
                <a href={`${props.base}/events/${encodeURIComponent(event.id)}`}>{formatTime(event.createdAt)}</a>
              </td>
              <td data-label="Type">
                <code>{event.type}</code>
              </td>
              <td data-label="Integration">{integrationOf(event)}</td>
              <td data-label="User" class="wrap">
                {userOf(event)}
              </td>
              <td data-label="Delivery" class={statusClass(event.delivery.status)}>
                {event.delivery.status}
              </td>
              <td data-label="Attempts">{event.delivery.attempts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
