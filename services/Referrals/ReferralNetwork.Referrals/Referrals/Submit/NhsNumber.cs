namespace ReferralNetwork.Referrals.Referrals.Submit;

/// <summary>NHS numbers: ten digits, the last a modulus-11 check digit over the first nine (weights 10..2).</summary>
public static class NhsNumber
{
    /// <summary>Digits only (spaces and hyphens as people write them are dropped), or null when not ten digits.</summary>
    public static string? Normalise(string value)
    {
        var digits = new string(value.Where(c => c is not (' ' or '-')).ToArray());
        return digits.Length == 10 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    public static bool IsValid(string value)
    {
        if (Normalise(value) is not { } digits)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (digits[i] - '0') * (10 - i);
        }

        var check = 11 - (sum % 11);
        if (check == 11)
        {
            check = 0;
        }

        return check != 10 && check == digits[9] - '0';
    }
}
