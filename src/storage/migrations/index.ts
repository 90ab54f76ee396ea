/**
 * @module The numbered migrations, in order. They are imported statically (not read from a folder at run time) so
 * that the built package and the test runner see the same list. Add a file, then a line here; never edit a landed one.
 */
import type { Migration } from 'kysely'
import * as apiKeys from './0001-api-keys.js'
import * as connections from './0002-connections.js'
import * as connectFlow from './0003-connect-flow.js'
import * as apiLogs from './0004-api-logs.js'
import * as dashboardSessions from './0005-dashboard-sessions.js'
import * as eventDelivery from './0006-event-delivery.js'
import * as undeliveredEvents from './0007-undelivered-events.js'
import * as webhookAccounts from './0008-webhook-accounts.js'
import * as callLogDetails from './0009-call-log-details.js'
import * as apiKeyScopes from './0010-api-key-scopes.js'
import * as usageAndAlerts from './0011-usage-and-alerts.js'
import * as callLogCache from './0012-call-log-cache.js'
import * as pageRecords from './0013-page-records.js'

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-api-keys': apiKeys,
  '0002-connections': connections,
  '0003-connect-flow': connectFlow,
  '0004-api-logs': apiLogs,
  '0005-dashboard-sessions': dashboardSessions,
  '0006-event-delivery': eventDelivery,
  '0007-undelivered-events': undeliveredEvents,
  '0008-webhook-accounts': webhookAccounts,
  '0009-call-log-details': callLogDetails,
  '0010-api-key-scopes': apiKeyScopes,
  '0011-usage-and-alerts': usageAndAlerts,
  '0012-call-log-cache': callLogCache,
  '0013-page-records': pageRecords,
}
