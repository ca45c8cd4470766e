namespace OrleansPlans.Domain;

/// <summary>Converts a target's unit as written into its indicator's unit.</summary>
/// <remarks>Only "per N" units convert into each other (万分之一 = 10 per 100,000); every other unit must match exactly.</remarks>
public static class Units
{
    private static readonly Dictionary<string, decimal> PerBase = new(StringComparer.Ordinal)
    {
        ["%"] = 100m,
        ["‰"] = 1_000m,
        ["1/万"] = 10_000m,
        ["1/10万"] = 100_000m,
    };

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "%", "‰", "1/万", "1/10万", "岁", "年", "人", "个", "次", "所", "张", "元", "小时", "天", "平方米", "比值",
    };

    public static bool TryConvert(decimal value, string from, string to, out decimal converted)
    {
        if (from == to)
        {
            converted = value;
            return true;
        }
        if (PerBase.TryGetValue(from, out var f) && PerBase.TryGetValue(to, out var t))
        {
            converted = value * t / f;
            return true;
        }
        converted = 0;
        return false;
    }

    public static bool Convertible(string from, string to) => TryConvert(1m, from, to, out _);
}
