@description('App Service authentication (Entra ID) in front of the Function App, for the fleet page: people sign in; the app gives fleet data only to those holding the viewer app role (FRIDAY_FLEET_AUTH=appService). Unauthenticated requests still reach the app (AllowAnonymous) so function keys, the autoscale webhook and Event Grid keep working; every other route still needs its key, which a signed-in viewer does not have.')
param siteName string
@description('Client id of the Entra ID app registration for the fleet page (ID tokens enabled, redirect URI https://<app>.azurewebsites.net/.auth/login/aad/callback, an app role Fleet.Viewer assigned to viewers).')
param clientId string
param tenantId string = subscription().tenantId

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: { allowedAudiences: [ clientId, 'api://${clientId}' ] }
      }
    }
    login: { tokenStore: { enabled: true } }
    httpSettings: { requireHttps: true }
  }
}
