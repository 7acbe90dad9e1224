using ReferralNetwork.CommunityProviders;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.CommunityProviders.OpenReferral;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapDirectoryApi();
app.MapProviderReferralsApi();
app.MapOpenReferralApi();
app.Run();

public partial class Program;
