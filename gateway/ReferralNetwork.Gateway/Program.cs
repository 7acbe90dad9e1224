using ReferralNetwork.Gateway.Extensions;
using ReferralNetwork.Gateway.OpenApi;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.Gateway.People;
using ReferralNetwork.Gateway.Proxy;
using ReferralNetwork.Gateway.Tokens;
using ReferralNetwork.Gateway.Tracing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPartnerApi();
builder.AddNetworkAuthentication();
builder.AddApplicationServices();
builder.AddEdgeTraceContext();
builder.AddPartnerDocument();

var app = builder.Build();

// The client's address as the trusted proxies report it, before anything keys on it.
app.UseForwardedHeaders();
// First, so every answer (a 404 included) tells the partner its trace id.
app.UseEdgeTraceContext();
app.Use(PeopleExtensions.ApplyPageHeadersAsync);
app.Use(PartnerDocumentApi.ApplyDocsPageHeadersAsync);
app.UseUnknownRoutes();
// Correlation id, problem details, authentication, authorization; then the per-partner limits,
// so a limited call is refused before it reaches the proxy.
app.UsePartnerApi();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapTokenApi();
app.MapOrganisationsApi();
app.MapPartnerDocument();
app.MapPeopleApi();
app.MapPeoplePages();
app.MapServices();

app.Run();
