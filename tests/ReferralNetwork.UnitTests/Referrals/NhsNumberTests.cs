using ReferralNetwork.Referrals.Referrals.Submit;

namespace ReferralNetwork.UnitTests.Referrals;

public class NhsNumberTests
{
    [Theory]
    [InlineData("9434765919")]
    [InlineData("943 476 5919")]
    [InlineData("943-476-5919")]
    [InlineData("4010232137")]
    [InlineData("1000000060")] // 100000006 sums to 22; 11 - 0 = 11, which counts as check digit 0
    public void Accepts_numbers_whose_check_digit_matches(string value) => Assert.True(NhsNumber.IsValid(value));

    [Theory]
    [InlineData("9434765918")] // wrong check digit
    [InlineData("1000000061")] // check digit should be 0
    [InlineData("943476591")] // nine digits
    [InlineData("94347659190")] // eleven digits
    [InlineData("94347659AB")]
    [InlineData("")]
    public void Refuses_numbers_that_fail_the_modulus_11_check(string value) => Assert.False(NhsNumber.IsValid(value));

    [Fact]
    public void A_check_value_of_ten_is_never_valid()
    {
        // 123456789 weighted 10..2 sums to 210; 210 mod 11 = 1; 11 - 1 = 10.
        for (var last = 0; last <= 9; last++)
        {
            Assert.False(NhsNumber.IsValid($"123456789{last}"));
        }
    }

    [Fact]
    public void Normalise_drops_separators_people_write() => Assert.Equal("9434765919", NhsNumber.Normalise("943 476-5919"));
}
