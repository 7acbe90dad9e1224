using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.Referrals;
using ReferralNetwork.Referrals.Erasures;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPartnerApi();
builder.AddNetworkAuthentication();
builder.AddApplicationServices();
builder.AddPartnerOpenApi("Referral Network: referrals, feed, webhooks, erasure");

var app = builder.Build();
app.UsePartnerApi();
app.MapDefaultEndpoints();
app.MapPartnerOpenApi();
app.MapReferralsApi();
app.MapPartnerFeed();
app.MapErasuresApi();
app.Run();

public partial class Program;
