using System.Text.Json;
using ReferralNetwork.Web.Caseload;
using ReferralNetwork.Web.Components.Forms;
using Xunit;

namespace ReferralNetwork.UnitTests.WebApp;

public class MeasuresTests
{
    [Theory]
    [InlineData("swemwbs", "metric", 2.35, "Wellbeing score: up 2.35 (better)")]
    [InlineData("swemwbs", "metric", -1.5, "Wellbeing score: down 1.5 (worse)")]
    [InlineData("wemwbs", "total", 0, "Wellbeing score: no change")]
    [InlineData("ons4", "happiness", 3, "Happiness: up 3 (better)")]
    [InlineData("ons4", "anxiety", -2, "Anxiety: down 2 (better)")]
    [InlineData("ons4", "anxiety", 2, "Anxiety: up 2 (worse)")]
    [InlineData("goals", "Walk to the shop", 4, "Goal \"Walk to the shop\": up 4 (better)")]
    public void A_change_says_which_way_is_better(string instrument, string figure, double change, string words) =>
        Assert.Equal(words, Measures.Change(instrument, figure, (decimal)change));

    [Theory]
    [InlineData("swemwbs", """{ "raw": 25, "metric": 22.35 }""", "22.35 (raw score 25)")]
    [InlineData("wemwbs", """{ "total": 47 }""", "Total 47")]
    [InlineData("goals", """{ "goals": [ { "goal": "Walk to the shop", "score": 6 } ] }""", "Walk to the shop: 6 out of 10")]
    [InlineData("ons4", """{ "lifeSatisfaction": { "value": 4, "band": "low" }, "worthwhile": { "value": 7, "band": "medium" }, "happiness": { "value": 9, "band": "very-high" }, "anxiety": { "value": 2, "band": "low" } }""",
        "Life satisfaction 4 (low); Feeling things are worthwhile 7 (medium); Happiness 9 (very-high); Anxiety 2 (low)")]
    public void A_score_reads_in_a_line(string instrument, string score, string words) =>
        Assert.Equal(words, Measures.Score(instrument, JsonDocument.Parse(score).RootElement));

    [Fact]
    public void A_score_shaped_otherwise_is_shown_as_it_came() =>
        Assert.Equal("""{"surprise":1}""", Measures.Score("swemwbs", JsonDocument.Parse("""{"surprise":1}""").RootElement));

    [Fact]
    public void A_measure_with_questions_unanswered_is_refused_next_to_each_one()
    {
        var errors = new FormErrors();

        Assert.Null(Measures.Responses(null, [3, null, 4, 4, 0, 4, 4], errors));

        Assert.Equal("Say whether this is the baseline or a follow-up.", errors.For("timepoint"));
        Assert.Equal("Choose how often for \"I've been feeling useful\".", errors.For("item-2"));
        Assert.NotNull(errors.For("item-5"));
        Assert.Equal(3, errors.Fields.Count);
    }

    [Fact]
    public void A_complete_measure_is_sent_as_its_seven_answers()
    {
        var errors = new FormErrors();
        Assert.Equal([3, 4, 3, 3, 4, 4, 4], Measures.Responses("baseline", [3, 4, 3, 3, 4, 4, 4], errors));
        Assert.False(errors.Any);
        Assert.Equal(7, Measures.SwemwbsStatements.Count);
    }
}
