using Microsoft.AspNetCore.Http;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.PartnerApi;

public class ETagsTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("*", null)]
    [InlineData("\"3\"", 3L)]
    [InlineData("W/\"3\"", 3L)]
    [InlineData(" \"12\" ", 12L)]
    public void If_match_names_the_version_a_command_expects(string? header, long? expected)
    {
        var request = new DefaultHttpContext().Request;
        if (header is not null)
        {
            request.Headers.IfMatch = header;
        }

        Assert.Equal(expected, ETags.IfMatch(request));
    }

    [Theory]
    [InlineData("\"two\"")]
    [InlineData("\"-1\"")]
    public void A_malformed_if_match_is_a_bad_request(string header)
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.IfMatch = header;

        var refused = Assert.Throws<PartnerBadRequest>(() => ETags.IfMatch(request));
        Assert.Equal(StatusCodes.Status400BadRequest, refused.StatusCode);
    }
}
