using ReferralNetwork.LinkWorkers;
using ReferralNetwork.LinkWorkers.Cases;
using ReferralNetwork.LinkWorkers.LinkWorkers;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapLinkWorkersApi();
app.MapCasesApi();
app.Run();

public partial class Program;
