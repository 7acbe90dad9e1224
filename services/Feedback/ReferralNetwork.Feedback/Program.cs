using ReferralNetwork.Feedback;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapOutcomesApi();
app.Run();

public partial class Program;
