/**
 * @module The dashboard's connections page, which the connect flow may always send the browser back to (the
 * dashboard's "Connect" opens a connect link in the signed-in browser). Here so that services need no view module.
 */
export const dashboardConnectionsPath = '/connections'
