using FluentValidation.Results;
using Microsoft.AspNetCore.Http;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.PartnerApi;

/// <summary>The one paging helper every list uses (partner-api.md Conventions), and the cap on a 422's errors.</summary>
public class PagingTests
{
    public PagingTests() => RequestValidation.UsePartnerConventions();

    private static readonly IReadOnlyList<int> Seven = [1, 2, 3, 4, 5, 6, 7];

    [Fact]
    public void Defaults_are_page_one_of_fifty_and_not_asked()
    {
        var request = new PageRequest();
        Assert.False(request.Asked);
        Assert.Equal((1, 50, 0L), (request.Number, request.Size, request.Offset));
        Assert.True(new PageRequest(PageSize: 10).Asked);
    }

    [Fact]
    public void A_page_is_a_slice_with_the_total()
    {
        var page = Seven.ToPage(new PageRequest(2, 3));
        Assert.Equal([4, 5, 6], page.Items);
        Assert.Equal((2, 3, 7), (page.Page, page.PageSize, page.TotalItems));
        Assert.Equal([7], Seven.ToPage(new PageRequest(3, 3)).Items);
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(int.MaxValue, 500)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void A_page_beyond_the_end_is_empty_even_when_its_offset_overflows_an_int(int number, int size)
    {
        var request = new PageRequest(number, size);
        Assert.True(request.Offset >= 7);
        var page = Seven.ToPage(request);
        Assert.Empty(page.Items);
        Assert.Equal((number, size, 7), (page.Page, page.PageSize, page.TotalItems));
    }

    [Fact]
    public void A_bare_array_is_at_most_the_largest_page_unless_a_page_is_asked()
    {
        Assert.Equal(new PageRequest(1, PageRequest.MaxPageSize), new PageRequest().ForBareArray());
        Assert.Equal(new PageRequest(3), new PageRequest(3).ForBareArray());
    }

    [Theory]
    [InlineData(0, null, "page")]
    [InlineData(-1, null, "page")]
    [InlineData(null, 0, "pageSize")]
    [InlineData(null, 501, "pageSize")]
    public void Out_of_range_values_are_refused(int? page, int? size, string field)
    {
        var error = Assert.Single(new PageRequestValidator().Validate(new PageRequest(page, size)).Errors);
        Assert.Equal(field, error.PropertyName);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(1, 1)]
    [InlineData(int.MaxValue, 500)]
    public void In_range_values_are_accepted(int? page, int? size) =>
        Assert.True(new PageRequestValidator().Validate(new PageRequest(page, size)).IsValid);

    [Fact]
    public void A_cut_short_bare_array_says_so_in_its_headers()
    {
        var http = new DefaultHttpContext();
        http.Request.Path = "/api/cases";
        http.Request.QueryString = new QueryString("?status=requested");
        var items = Enumerable.Range(1, 7).ToList().ToPage(new PageRequest(1, 5)).AsBareArray(http);

        Assert.Equal([1, 2, 3, 4, 5], items);
        Assert.Equal("7", http.Response.Headers["X-Total-Count"].ToString());
        Assert.Equal("</api/cases?status=requested&page=2&pageSize=5>; rel=\"next\"", http.Response.Headers.Link.ToString());

        var whole = new DefaultHttpContext();
        Seven.ToPage(new PageRequest(1, 500)).AsBareArray(whole);
        Assert.Equal(0, whole.Response.Headers.Link.Count);
    }

    [Fact]
    public void A_problem_names_at_most_twenty_fields_and_says_how_many_were_left_out()
    {
        var failures = Enumerable.Range(0, 20_000).Select(i => new ValidationFailure($"needs[{i}]", new string('x', 400) + " is not in the vocabulary."));
        var problem = RequestValidation.Capped(failures);

        Assert.Equal(RequestValidation.MaxFields, problem.Errors.Count);
        Assert.Equal("needs[0]", problem.Errors.Keys.First());
        Assert.Equal(20_000 - RequestValidation.MaxFields, problem.Extensions["omittedFields"]);
        Assert.Contains("19980 more", problem.Detail);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.Status);
    }

    [Fact]
    public void A_field_keeps_its_first_distinct_messages_each_cut_short()
    {
        var failures = Enumerable.Range(0, 10).Select(i => new ValidationFailure("needs", $"message {i % 5} " + new string('y', 1000)));
        var messages = RequestValidation.Capped(failures).Errors["needs"];

        Assert.Equal(RequestValidation.MaxMessagesPerField, messages.Length);
        Assert.All(messages, m => Assert.True(m.Length <= RequestValidation.MaxMessageLength + 1));
        Assert.StartsWith("message 0", messages[0]);
    }

    [Fact]
    public void A_problem_within_the_caps_is_unchanged()
    {
        var problem = RequestValidation.Capped([new ValidationFailure("name", "Required."), new ValidationFailure("area", "Required.")]);
        Assert.Equal(["name", "area"], problem.Errors.Keys);
        Assert.Equal("See errors for each field.", problem.Detail);
        Assert.False(problem.Extensions.ContainsKey("omittedFields"));
    }
}
