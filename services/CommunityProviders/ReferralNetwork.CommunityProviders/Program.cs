using ReferralNetwork.CommunityProviders;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.CommunityProviders.OpenReferral;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPartnerApi();
builder.AddNetworkAuthentication();
builder.AddApplicationServices();
builder.AddPartnerOpenApi("Referral Network: directory, provider referrals, Open Referral UK");

var app = builder.Build();
app.UsePartnerApi();
app.MapDefaultEndpoints();
app.MapPartnerOpenApi();
app.MapDirectoryApi();
app.MapProviderReferralsApi();
app.MapOpenReferralApi();
app.Run();

public partial class Program;
