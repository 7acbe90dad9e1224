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

var app = builder.Build();
app.UsePartnerApi();
app.MapDefaultEndpoints();
app.MapReferralsApi();
app.MapPartnerFeed();
app.MapErasuresApi();
app.Run();

public partial class Program;
