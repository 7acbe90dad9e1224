using ReferralNetwork.ServiceDefaults;
using ReferralNetwork.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebApp();

var app = builder.Build();

app.UseWebApp();
app.MapDefaultEndpoints();
app.MapWebApp();

app.Run();
