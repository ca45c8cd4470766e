using System.Collections.Frozen;

namespace OrleansPlans.Domain;

public enum PlanKind { Women, Children }

public enum IndicatorKind { Rate, Percentage, Count, Mean, Qualitative }

public enum Direction { Higher, Lower, None }

public enum OrgUnitLevel { Province, Prefecture, County }

/// <summary>An indicator of the catalogue: what is counted, over what, and which way is better.</summary>
public sealed record IndicatorDefinition(
    string Code,
    string NameZh,
    string NameEn,
    PlanKind Plan,
    string Area,
    IndicatorKind Kind,
    decimal Factor,
    string Unit,
    string? NumeratorDefinition,
    string? DenominatorDefinition,
    Direction Direction,
    bool NumeratorWithinDenominator,
    IReadOnlyList<string> Disaggregations,
    IReadOnlyList<string> AgeGroups,
    string Department,
    string SourceFile)
{
    /// <summary>Rates, percentages and means are carried as numerator and denominator.</summary>
    public bool HasDenominator => Kind is IndicatorKind.Rate or IndicatorKind.Percentage or IndicatorKind.Mean;

    public bool IsNumeric => Kind != IndicatorKind.Qualitative;

    /// <summary>The options a disaggregation category may take for this indicator.</summary>
    public IReadOnlyList<string> OptionsOf(string category) => category switch
    {
        "sex" => Disaggregation.SexOptions,
        "area" => Disaggregation.AreaOptions,
        "age" => AgeGroups,
        _ => [],
    };
}

public sealed record Department(string Code, string NameZh, string NameEn, IReadOnlyList<string> Aliases);

public sealed record OrgUnit(string Code, string Name, OrgUnitLevel Level, string? ParentCode)
{
    /// <summary>
    /// A county-level reporting unit that is a prefecture-level city itself (不设区县的地级市: 东莞市 441900, 中山市 442000,
    /// 儋州市 460400): it has the city's code and name, and the city roll-up of the same code as its parent.
    /// </summary>
    public bool StandsForCity { get; init; }
}

public sealed record PlanPeriod(int Start, int End);

/// <summary>A target as the plan states it (value and unit as written).</summary>
public sealed record PlanTarget(
    string? Indicator,
    string? Subject,
    string Comparator,
    decimal? Value,
    string? Unit,
    int Year,
    bool Approximate,
    int? BaseYear,
    decimal? ChangePercent,
    string? ReferenceIndicator,
    IReadOnlyDictionary<string, string> Disaggregation,
    string? Text);

public sealed record PlanGoal(int No, string Text, IReadOnlyList<PlanTarget> Targets);

public sealed record PlanMeasure(int No, string Title, IReadOnlyList<string> Lead, IReadOnlyList<string> Cooperating, IReadOnlyList<PlanTarget> Targets);

public sealed record PlanArea(string Area, string NameZh, IReadOnlyList<PlanGoal> Goals, IReadOnlyList<PlanMeasure> Measures);

/// <summary>A county's women's or children's plan, as the document has it.</summary>
public sealed record Plan(
    string County,
    PlanKind Kind,
    string Title,
    PlanPeriod Period,
    DateOnly? Issued,
    string? DocumentNumber,
    string? Source,
    IReadOnlyList<string> Notes,
    IReadOnlyDictionary<string, string> Departments,
    IReadOnlyList<PlanArea> Areas,
    string File)
{
    public IEnumerable<PlanTarget> AllTargets =>
        Areas.SelectMany(a => a.Goals.SelectMany(g => g.Targets).Concat(a.Measures.SelectMany(m => m.Targets)));
}

/// <summary>A national default target (used where an org unit's plan has none).</summary>
public sealed record NationalTarget(string Indicator, string Comparator, decimal? Value, string Unit, int Year, int? BaseYear, decimal? ChangePercent, bool Approximate);

public static class PlanAreas
{
    public static readonly IReadOnlyList<(string Code, string NameZh)> Women =
    [
        ("health", "妇女与健康"), ("education", "妇女与教育"), ("economy", "妇女与经济"), ("decision-making", "妇女参与决策和管理"),
        ("social-security", "妇女与社会保障"), ("family", "妇女与家庭建设"), ("environment", "妇女与环境"), ("law", "妇女与法律"),
    ];

    public static readonly IReadOnlyList<(string Code, string NameZh)> Children =
    [
        ("health", "儿童与健康"), ("safety", "儿童与安全"), ("education", "儿童与教育"), ("welfare", "儿童与福利"),
        ("family", "儿童与家庭"), ("environment", "儿童与环境"), ("law", "儿童与法律保护"),
    ];

    public static IReadOnlyList<(string Code, string NameZh)> Of(PlanKind kind) => kind == PlanKind.Women ? Women : Children;

    public static bool IsValid(PlanKind kind, string area) => Of(kind).Any(a => a.Code == area);

    public static string PlanCode(PlanKind kind) => kind == PlanKind.Women ? "women" : "children";

    public static bool TryParsePlan(string? text, out PlanKind kind)
    {
        switch (text)
        {
            case "women": kind = PlanKind.Women; return true;
            case "children": kind = PlanKind.Children; return true;
            default: kind = default; return false;
        }
    }
}

/// <summary>Canonical disaggregation keys: "" is the total, otherwise sorted "category=option" pairs joined by ';'.</summary>
public static class Disaggregation
{
    public static readonly IReadOnlyList<string> Categories = ["sex", "area", "age"];
    public static readonly IReadOnlyList<string> SexOptions = ["male", "female"];
    public static readonly IReadOnlyList<string> AreaOptions = ["urban", "rural"];

    public const string Total = "";

    public static string Key(IReadOnlyDictionary<string, string>? parts)
    {
        if (parts is null || parts.Count == 0)
        {
            return Total;
        }
        return string.Join(';', parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
    }

    /// <summary>
    /// Parsed keys, shared: the warning rules parse the disaggregation of every figure they compare with its total, once
    /// per push and indicator (docs/benchmarks.md, session 9), and the keys in use are the catalogue's few dozen. Bounded,
    /// because keys can also come from requests: past the bound a key is parsed without being remembered.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> Parsed = new(StringComparer.Ordinal);

    private const int MaxRemembered = 4096;

    /// <summary>The category → option pairs of a key (immutable, possibly shared between callers).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return FrozenDictionary<string, string>.Empty;
        }
        if (Parsed.TryGetValue(key, out var parsed))
        {
            return parsed;
        }
        parsed = key.Split(';').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal) // a repeated category throws, as before
            .AsReadOnly(); // keeps the key's order (responses list the pairs as written)
        if (Parsed.Count < MaxRemembered)
        {
            Parsed.TryAdd(key, parsed);
        }
        return parsed;
    }

    /// <summary>Chinese label for display: 城镇 / 农村 / 男 / 女 / age band.</summary>
    public static string LabelZh(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "合计";
        }
        return string.Join("·", Parse(key).Select(p => (p.Key, p.Value) switch
        {
            ("sex", "male") => "男",
            ("sex", "female") => "女",
            ("area", "urban") => "城镇",
            ("area", "rural") => "农村",
            ("age", var a) => a + "岁",
            var (k, v) => k + "=" + v,
        }));
    }
}
