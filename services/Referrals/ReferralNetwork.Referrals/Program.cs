using ReferralNetwork.Referrals;
using ReferralNetwork.Referrals.Referrals;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapReferralsApi();
app.MapPartnerFeed();
app.Run();

public partial class Program;
