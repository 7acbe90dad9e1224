using ReferralNetwork.Feedback;
using ReferralNetwork.Feedback.Involvement;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.Reports;
using ReferralNetwork.Feedback.UserFeedback;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;
using ReferralNetwork.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPartnerApi();
builder.AddNetworkAuthentication();
builder.AddApplicationServices();
builder.AddPartnerOpenApi("Referral Network: outcomes, feedback, involvement, reports");

var app = builder.Build();
app.UsePartnerApi();
app.MapDefaultEndpoints();
app.MapPartnerOpenApi();
app.MapOutcomesApi();
app.MapFeedbackApi();
app.MapInvolvementApi();
app.MapReportsApi();
app.Run();

public partial class Program;
