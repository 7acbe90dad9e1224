using CsvHelper;
using ReferralNetwork.Feedback.Reports;

namespace ReferralNetwork.UnitTests.Feedback;

/// <summary>The commissioner's CSV opened in a spreadsheet: partners' text stays text, figures stay numbers.</summary>
public class ReportCsvTests
{
    private static readonly Guid Service = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Linky = Guid.Parse("22222222-2222-2222-2222-222222222222");
    private static readonly Guid Commas = Guid.Parse("33333333-3333-3333-3333-333333333333");

    private const string Hyperlink = "=HYPERLINK(\"http://x\",\"y\")";
    private const string Sum = "-2+3";
    private const string Awkward = "Smith, \"Jo\"\nNorth";

    [Fact]
    public void Partner_names_that_start_like_a_formula_are_written_as_quoted_text()
    {
        var csv = SummaryReports.ToCsv(Report());

        Assert.Contains($"\nprovider-capacity,{Service:D}.name,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n", csv, StringComparison.Ordinal);
        Assert.Contains($"\nlink-workers,{Linky:D}.name,\"'-2+3\"\n", csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+cmd")]
    [InlineData("@SUM(A1:A9)")]
    [InlineData("-2+3+cmd|' /C calc'!A0")]
    [InlineData("\t=1+1")]
    public void Any_formula_start_in_a_service_name_gets_the_text_prefix(string name)
    {
        var report = Report() with { ProviderCapacity = [new ServiceCapacity(Service, name, Guid.NewGuid(), 10, 3, 70m)] };

        Assert.Equal("'" + name, Rows(SummaryReports.ToCsv(report))[("provider-capacity", $"{Service:D}.name")]);
    }

    [Fact]
    public void Negative_figures_stay_plain_numbers()
    {
        var lines = SummaryReports.ToCsv(Report()).Split('\n');

        Assert.Contains("outcome-change,swemwbs.metric.mean-change,-1.5", lines);
        Assert.Contains("outcome-change,swemwbs.metric.pairs,5", lines);
        Assert.Contains("referrals,pathway.self-referral,*", lines);
    }

    [Fact]
    public void Commas_quotes_and_line_breaks_in_a_name_are_quoted_as_rfc_4180_says()
    {
        var csv = SummaryReports.ToCsv(Report());

        Assert.Contains($"\nlink-workers,{Commas:D}.name,\"Smith, \"\"Jo\"\"\nNorth\"\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void The_file_reads_back_with_a_csv_reader_to_the_same_rows()
    {
        var csv = SummaryReports.ToCsv(Report());
        var rows = Rows(csv);

        Assert.Equal("'" + Hyperlink, rows[("provider-capacity", $"{Service:D}.name")]);
        Assert.Equal("'" + Sum, rows[("link-workers", $"{Linky:D}.name")]);
        Assert.Equal(Awkward, rows[("link-workers", $"{Commas:D}.name")]);
        Assert.Equal("-1.5", rows[("outcome-change", "swemwbs.metric.mean-change")]);
        Assert.Equal("70", rows[("provider-capacity", $"{Service:D}.used-percent")]);

        // Every other row is written unquoted, so the lines without a name in them are the rows themselves.
        var plain = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Where(l => !l.Contains(".name,", StringComparison.Ordinal) && !l.StartsWith("North", StringComparison.Ordinal))
            .Select(l => l.Split(','))
            .ToList();
        Assert.Equal(rows.Count - 3, plain.Count);
        Assert.All(plain, f => Assert.Equal(f[2], rows[(f[0], f[1])]));
    }

    [Fact]
    public void Ordinary_report_is_its_rows_joined_by_commas_and_line_feeds()
    {
        var csv = SummaryReports.ToCsv(ReportTests.Scenario());

        // Nothing in it needs quotes: the bytes are the header and the rows read back, each ending in \n.
        var rebuilt = string.Concat(ReadBack(csv).Select(r => $"{r.Section},{r.Metric},{r.Value}\n").Prepend("section,metric,value\n"));
        Assert.Equal(rebuilt, csv);
    }

    private static SummaryReport Report()
    {
        var report = ReportTests.Scenario();
        var swemwbs = report.OutcomeChange.Single(o => o.Instrument == "swemwbs");
        return report with
        {
            ProviderCapacity = [new ServiceCapacity(Service, Hyperlink, Guid.NewGuid(), 10, 3, 70m)],
            LinkWorkers =
            [
                new LinkWorkerCaseload(Linky, Sum, Figure.Shown(6), Figure.Hidden),
                new LinkWorkerCaseload(Commas, Awkward, Figure.Hidden, Figure.Shown(0)),
            ],
            OutcomeChange = report.OutcomeChange.Select(o => o == swemwbs ? o with { MeanChange = Figure.Shown(-1.5m) } : o).ToList(),
        };
    }

    /// <summary>The data rows as CsvHelper's reader reads them, by section and metric.</summary>
    private static Dictionary<(string Section, string Metric), string> Rows(string csv) =>
        ReadBack(csv).ToDictionary(r => (r.Section, r.Metric), r => r.Value);

    /// <summary>The data rows as CsvHelper's reader reads them, in order.</summary>
    private static List<(string Section, string Metric, string Value)> ReadBack(string csv)
    {
        using var reader = CsvReader.Create(new StringReader(csv));
        Assert.Equal(["section", "metric", "value"], reader.Headers);
        var rows = new List<(string, string, string)>();
        while (reader.Read())
        {
            Assert.Equal(3, reader.FieldCount);
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }
}
