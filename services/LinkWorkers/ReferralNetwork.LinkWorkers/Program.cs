using ReferralNetwork.LinkWorkers;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPartnerApi();
builder.AddNetworkAuthentication();
builder.AddApplicationServices();
builder.AddPartnerOpenApi("Referral Network: link workers and cases");

var app = builder.Build();
app.UsePartnerApi();
app.MapDefaultEndpoints();
app.MapPartnerOpenApi();
app.MapLinkWorkersApi();
app.MapCasesApi();
app.Run();

public partial class Program;
