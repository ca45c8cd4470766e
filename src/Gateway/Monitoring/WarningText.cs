using System.Globalization;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Loading;

namespace OrleansPlans.Gateway.Monitoring;

/// <summary>
/// The Chinese wording of a warning for the dashboard and the reports, built from its kind and figures (the stored
/// message is the detector's English, kept for the API's English readers and the logs).
/// </summary>
public static class WarningText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, string> Categories = new(StringComparer.Ordinal) { ["sex"] = "性别", ["area"] = "城乡", ["age"] = "年龄" };

    public static string Zh(string kind, int year, string rule, string fallback, IReadOnlyDictionary<string, double> n, IndicatorDefinition indicator, ValidationRuleSet rules)
    {
        string N(string key) => n.TryGetValue(key, out var v) ? v.ToString("0.##", Inv) : "—";
        // "1/10万" after a number needs a space ("24 1/10万"); "%", "‰" and "岁" do not.
        var unit = indicator.Unit.Length > 0 && char.IsAsciiDigit(indicator.Unit[0]) ? " " + indicator.Unit : indicator.Unit;
        switch (kind)
        {
            case "projectedMiss":
                return $"按{N("base")}→{N("current")}{unit}的趋势推算，{N("targetYear")}年预计为{N("projected")}{unit}，难以达到目标值{N("target")}{unit}";
            case "fluctuation":
                var parts = new List<string> { $"{year - 1}年至{year}年由{N("previous")}变为{N("current")}{unit}" };
                if (n.TryGetValue("percentChange", out var pct) && fallback.Contains("% (limit", StringComparison.Ordinal))
                {
                    parts.Add($"变化{pct.ToString("+0.#;-0.#", Inv)}%");
                }
                else if (n.TryGetValue("percentChange", out var small))
                {
                    parts.Add($"变化{small.ToString("+0.#;-0.#", Inv)}%");
                }
                // The detector names the rules that fired in its message; the z-score is worded only when it was one.
                if (n.TryGetValue("modifiedZ", out var z) && fallback.Contains("modified z-score", StringComparison.Ordinal))
                {
                    parts.Add($"修正Z分数{z.ToString("0.#", Inv)}，明显偏离本地历年变化");
                }
                return string.Join("，", parts);
            case "missingAfterDeadline":
                var due = System.Text.RegularExpressions.Regex.Match(fallback, @"\d{4}-\d{2}-\d{2}");
                return $"{year}年数据应于{(due.Success ? due.Value : (year + 1) + "年截止日")}前报送，已逾期{N("daysOverdue")}天未报";
            case "validationRule" when rule.StartsWith("subgroups:", StringComparison.Ordinal):
                var category = rule["subgroups:".Length..];
                var name = Categories.GetValueOrDefault(category, category);
                var sums = new[] { ("numerator", "分子"), ("denominator", "分母"), ("value", "数值"), ("weight", "权重") }
                    .Where(p => n.ContainsKey(p.Item1 + "Sum") && n[p.Item1 + "Sum"] != n[p.Item1 + "Total"])
                    .Select(p => $"{p.Item2}分组之和{N(p.Item1 + "Sum")}、合计{N(p.Item1 + "Total")}");
                return $"按{name}分组的数据与合计不一致：" + string.Join("；", sums.DefaultIfEmpty("加权平均与合计不符"));
            case "validationRule" when rule.EndsWith(":numerator<=denominator", StringComparison.Ordinal):
                return $"分子{N("left")}大于分母{N("right")}";
            case "validationRule":
                var described = rules.Rules.FirstOrDefault(r => r.Id == rule)?.Description;
                return $"{described ?? rule}：{N("left")} 与 {N("right")} 不符";
            default:
                return fallback;
        }
    }
}
