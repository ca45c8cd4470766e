using System.Globalization;
using System.Net;
using System.Text;
using OrleansPlans.Contracts;
using OrleansPlans.Domain;
using OrleansPlans.Domain.Evaluation;
using OrleansPlans.Gateway.Apis;
using OrleansPlans.Gateway.Monitoring;
using OrleansPlans.Gateway.Security;

namespace OrleansPlans.Gateway.Reports;

/// <summary>annual (年度监测报告), midterm (中期评估, 2025) or final (终期评估, 2030).</summary>
public enum ReportKind { Annual, Midterm, Final }

/// <summary>Everything a monitoring or evaluation report shows, gathered from live data.</summary>
public sealed record MonitoringReport(
    OrgUnit Unit,
    ReportKind Kind,
    int Year,
    DateTimeOffset GeneratedAt,
    string? Notice,
    EvaluationResponse Evaluation,
    WarningResponse[] Warnings,
    CompletenessSummary Completeness,
    ApprovalTally Approval,
    MeasureReport[] Measures)
{
    public string Title => Kind switch
    {
        ReportKind.Midterm => $"{Unit.Name}妇女儿童发展规划中期评估报告（{Year}年）",
        ReportKind.Final => $"{Unit.Name}妇女儿童发展规划终期评估报告（{Year}年）",
        _ => $"{Unit.Name}妇女儿童发展规划{Year}年度监测报告",
    };
}

/// <summary>Renders a report as printable Chinese HTML (inline SVG trend charts, no scripts, no external files) or as CSV.</summary>
public static class ReportRenderer
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly IReadOnlyDictionary<string, string> RatingZh = new Dictionary<string, string>
    {
        ["achieved"] = "已实现", ["onTrack"] = "进展顺利", ["moderateProgress"] = "进展一般", ["limitedProgress"] = "进展缓慢",
        ["deteriorating"] = "出现倒退", ["insufficientData"] = "数据不足", ["notRated"] = "不评级",
    };

    public static readonly IReadOnlyDictionary<string, string> KindZh = new Dictionary<string, string>
    {
        ["projectedMiss"] = "预计难以达标", ["fluctuation"] = "异常波动", ["missingAfterDeadline"] = "逾期未报", ["validationRule"] = "数据校验未通过",
    };

    public static readonly IReadOnlyDictionary<string, string> MeasureStatusZh = new Dictionary<string, string>
    {
        ["notStarted"] = "未启动", ["onTrack"] = "按计划推进", ["delayed"] = "滞后", ["completed"] = "已完成",
    };

    public static string StatusZh(TargetStatus s) => s switch
    {
        TargetStatus.Met => "达标",
        TargetStatus.NotMet => "未达标",
        TargetStatus.NoTarget => "无目标",
        _ => "无数据",
    };

    public static string Html(MonitoringReport r, PlanData data)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>").Append(E(r.Title)).Append("</title><style>")
            .Append("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#1a1a1a;line-height:1.5}")
            .Append("h1{font-size:1.6em;text-align:center}h2{border-bottom:2px solid #8b1a1a;padding-bottom:.2em;margin-top:1.6em}")
            .Append("table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.9em}th,td{border:1px solid #999;padding:.25em .4em;text-align:left;vertical-align:middle}")
            .Append("th{background:#f1e9e0}td.n{text-align:right;font-variant-numeric:tabular-nums}.notice{background:#fff3cd;border:1px solid #c9a227;padding:.5em}")
            .Append(".met{color:#1b5e20}.notMet{color:#b71c1c}@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}")
            .Append("</style></head><body>");
        h.Append("<h1>").Append(E(r.Title)).Append("</h1>");
        h.Append("<p>行政区划代码 ").Append(E(r.Unit.Code)).Append("；评估年度 ").Append(r.Year).Append("；生成时间 ")
            .Append(E(r.GeneratedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", Inv))).Append("（北京时间），数据为生成时的实时数据。</p>");
        if (r.Notice is not null)
        {
            h.Append("<p class=\"notice\">").Append(E(r.Notice)).Append("</p>");
        }

        h.Append("<h2>一、总体情况</h2>");
        h.Append("<p>纳入评估的量化目标 ").Append(r.Evaluation.Indicators.Length).Append(" 项；当前预警 ").Append(r.Warnings.Length)
            .Append(" 条；数据审核：未提交 ").Append(r.Approval.Open).Append("、已提交 ").Append(r.Approval.Submitted)
            .Append("、市级已审核 ").Append(r.Approval.ApprovedByCity).Append("、省级已审核 ").Append(r.Approval.ApprovedByProvince).Append("（县级单位数）。</p>");
        h.Append("<table><thead><tr><th scope=\"col\">规划</th><th scope=\"col\">领域</th>");
        foreach (var rating in RatingZh.Keys)
        {
            h.Append("<th scope=\"col\">").Append(RatingZh[rating]).Append("</th>");
        }
        h.Append("<th scope=\"col\">达标</th><th scope=\"col\">未达标</th></tr></thead><tbody>");
        foreach (var a in r.Evaluation.Areas)
        {
            h.Append("<tr><td>").Append(a.Plan == "women" ? "妇女" : "儿童").Append("</td><td>").Append(E(a.AreaNameZh)).Append("</td>");
            foreach (var rating in RatingZh.Keys)
            {
                h.Append("<td class=\"n\">").Append(a.Ratings.GetValueOrDefault(rating)).Append("</td>");
            }
            h.Append("<td class=\"n\">").Append(a.Statuses.Met).Append("</td><td class=\"n\">").Append(a.Statuses.NotMet).Append("</td></tr>");
        }
        h.Append("</tbody></table>");

        h.Append("<h2>二、主要指标监测情况</h2>");
        foreach (var group in r.Evaluation.Indicators.GroupBy(i => (i.Plan, i.Area)))
        {
            var areaName = PlanAreas.Of(group.Key.Plan == "women" ? PlanKind.Women : PlanKind.Children).First(a => a.Code == group.Key.Area).NameZh;
            h.Append("<h3>").Append(group.Key.Plan == "women" ? "妇女" : "儿童").Append(" · ").Append(E(areaName)).Append("</h3>");
            Head(h, "指标", $"{r.Year}年值（或最近年份）", "目标", "状态", "进展评级", "预计目标年值", "趋势");
            foreach (var i in group)
            {
                var e = i.Evaluation;
                h.Append("<tr><td>").Append(E(i.Indicator.NameZh)).Append("</td><td class=\"n\">").Append(Num(e.Value)).Append(' ').Append(E(i.Unit))
                    .Append(e.ValueYear is { } vy && vy != r.Year ? $"（{vy}年）" : "")
                    .Append("</td><td>").Append(E(TargetText(e.Target))).Append("</td><td class=\"").Append(e.Status == TargetStatus.Met ? "met" : e.Status == TargetStatus.NotMet ? "notMet" : "")
                    .Append("\">").Append(StatusZh(e.Status)).Append("</td><td>").Append(E(RatingZh.GetValueOrDefault(e.Evaluation?.Rating ?? "insufficientData", "")))
                    .Append(e.Evaluation?.Pooled == true ? "（三年合并）" : "").Append("</td><td class=\"n\">")
                    .Append(e.Evaluation?.ProjectedValue is { } p ? p.ToString("0.##", Inv) : "—").Append("</td><td>")
                    .Append(Sparkline(i.Indicator.NameZh, e.Trend, e.Target)).Append("</td></tr>");
            }
            h.Append("</tbody></table>");
        }
        if (r.Evaluation.QualitativeGoals.Length > 0)
        {
            h.Append("<h3>定性目标（依据主要措施进展评估）</h3>");
            Head(h, "规划", "领域", "目标", "评级", "依据");
            foreach (var g in r.Evaluation.QualitativeGoals)
            {
                h.Append("<tr><td>").Append(g.Plan == "women" ? "妇女" : "儿童").Append("</td><td>").Append(E(g.Area)).Append("</td><td>").Append(g.Goal).Append(". ")
                    .Append(E(g.Text)).Append("</td><td>").Append(E(RatingZh.GetValueOrDefault(g.Rating, g.Rating))).Append("</td><td>").Append(E(g.Reason)).Append("</td></tr>");
            }
            h.Append("</tbody></table>");
        }

        h.Append("<h2>三、预警情况</h2>");
        if (r.Warnings.Length == 0)
        {
            h.Append("<p>无当前预警。</p>");
        }
        else
        {
            Head(h, "单位", "类型", "指标", "年度", "责任部门", "说明", "发出时间");
            foreach (var w in r.Warnings.Take(500))
            {
                h.Append("<tr><td>").Append(E(w.OrgUnitName)).Append("</td><td>").Append(E(KindZh.GetValueOrDefault(w.Kind, w.Kind))).Append("</td><td>").Append(E(w.IndicatorNameZh))
                    .Append("</td><td class=\"n\">").Append(w.Year).Append("</td><td>").Append(E(w.DepartmentNameZh ?? w.Department ?? "—")).Append("</td><td>").Append(E(w.MessageZh))
                    .Append("</td><td>").Append(w.RaisedAt is { } at ? E(at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", Inv)) : "实时").Append("</td></tr>");
            }
            h.Append("</tbody></table>");
            if (r.Warnings.Length > 500)
            {
                h.Append("<p>另有 ").Append(r.Warnings.Length - 500).Append(" 条预警见 CSV 版本。</p>");
            }
        }

        h.Append("<h2>四、数据报送完整性与及时性</h2>");
        Head(h, "单位或部门", "应报", "已报", "按时", "逾期", "缺报", "完整率", "及时率");
        CompletenessRow(h, "合计", r.Completeness.Total);
        foreach (var d in r.Completeness.Departments)
        {
            CompletenessRow(h, data.Departments.TryGetValue(d.Department!, out var dep) ? dep.NameZh : d.Department!, d);
        }
        foreach (var c in r.Completeness.Children)
        {
            CompletenessRow(h, c.OrgUnit.Name, c.Counts);
        }
        h.Append("</tbody></table>");

        h.Append("<h2>五、主要措施落实情况</h2>");
        if (r.Measures.Length == 0)
        {
            h.Append("<p>本年度尚无牵头部门报送措施进展。</p>");
        }
        else
        {
            Head(h, "规划", "领域", "措施", "牵头部门", "进展", "情况说明");
            foreach (var m in r.Measures.OrderBy(m => m.Plan, StringComparer.Ordinal).ThenBy(m => m.Area, StringComparer.Ordinal).ThenBy(m => m.Measure))
            {
                h.Append("<tr><td>").Append(m.Plan == "women" ? "妇女" : "儿童").Append("</td><td>").Append(E(m.Area)).Append("</td><td class=\"n\">").Append(m.Measure)
                    .Append("</td><td>").Append(E(data.Departments.TryGetValue(m.Department, out var dep) ? dep.NameZh : m.Department)).Append("</td><td>")
                    .Append(E(MeasureStatusZh.GetValueOrDefault(m.Status, m.Status))).Append("</td><td>").Append(E(m.Narrative)).Append("</td></tr>");
            }
            h.Append("</tbody></table>");
        }
        h.Append("<p style=\"margin-top:2em;font-size:.85em;color:#555\">评级方法：加拿大统计局进展评估法（有量化目标）及其无目标变体（方向性目标）；预计值：联合国统计司趋势外推法；小数字指标以三年合并计算。详见系统文档。</p>");
        h.Append("</body></html>");
        return h.ToString();
    }

    public static string Csv(MonitoringReport r)
    {
        var c = new StringBuilder();
        c.Append("\uFEFF"); // Excel opens UTF-8 Chinese correctly only with a BOM
        Line(c, "section", "org_unit", "indicator", "name", "plan", "area", "year", "value_year", "value", "unit", "target", "target_year", "status", "rating", "projected_value", "detail");
        foreach (var i in r.Evaluation.Indicators)
        {
            var e = i.Evaluation;
            Line(c, "indicator", r.Unit.Code, i.Indicator.Code, i.Indicator.NameZh, i.Plan, i.Area, r.Year.ToString(Inv), e.ValueYear?.ToString(Inv) ?? "", Num(e.Value), i.Unit, TargetText(e.Target),
                e.Target?.Year.ToString(Inv) ?? "", e.Status.ToString(), e.Evaluation?.Rating ?? "insufficientData",
                e.Evaluation?.ProjectedValue?.ToString("0.####", Inv) ?? "", e.Evaluation?.Reason ?? "");
        }
        foreach (var g in r.Evaluation.QualitativeGoals)
        {
            Line(c, "qualitative_goal", r.Unit.Code, "", g.Text, g.Plan, g.Area, r.Year.ToString(Inv), "", "", "", "", "", "", g.Rating, "", g.Reason);
        }
        foreach (var w in r.Warnings)
        {
            Line(c, "warning", w.OrgUnit, w.Indicator, w.IndicatorNameZh, w.Plan, w.Area, w.Year.ToString(Inv), "", "", "", "", "", w.Kind, w.DepartmentNameZh ?? w.Department ?? "", "", w.Message);
        }
        void CompletenessLine(string who, CompletenessView v) =>
            Line(c, "completeness", who, "", v.Department ?? "", "", "", v.Year.ToString(Inv), "", v.Reported.ToString(Inv), "reported", v.Expected.ToString(Inv), "",
                $"onTime={v.OnTime};late={v.Late};missing={v.Missing};pending={v.Pending}", "", "", v.ReportedPercent?.ToString("0.#", Inv) ?? "");
        CompletenessLine(r.Unit.Code, r.Completeness.Total);
        foreach (var d in r.Completeness.Departments)
        {
            CompletenessLine(r.Unit.Code, d);
        }
        foreach (var ch in r.Completeness.Children)
        {
            CompletenessLine(ch.OrgUnit.Code, ch.Counts);
        }
        foreach (var m in r.Measures)
        {
            Line(c, "measure", r.Unit.Code, m.Measure.ToString(Inv), m.Department, m.Plan, m.Area, m.Year.ToString(Inv), "", "", "", "", "", m.Status, "", "", m.Narrative);
        }
        return c.ToString();
    }

    /// <summary>
    /// One CSV line. Text that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return) is
    /// prefixed with an apostrophe (OWASP's CSV injection advice); numbers are written by this class and never start so.
    /// </summary>
    private static void Line(StringBuilder c, params string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                c.Append(',');
            }
            c.Append(CsvCell(cells[i]));
        }
        c.Append("\r\n");
    }

    public static string CsvCell(string value)
    {
        // The formula rule is CsvExport's (one rule for every export); numbers, which this class writes, stay numbers.
        var v = decimal.TryParse(value, NumberStyles.Number, Inv, out _) ? value : CsvExport.Neutralise(value);
        return v.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
    }

    /// <summary>Opens a table with its column headers.</summary>
    private static void Head(StringBuilder h, params string[] columns)
    {
        h.Append("<table><thead><tr>");
        foreach (var c in columns)
        {
            h.Append("<th scope=\"col\">").Append(c).Append("</th>");
        }
        h.Append("</tr></thead><tbody>");
    }

    private static void CompletenessRow(StringBuilder h, string name, CompletenessView v) =>
        h.Append("<tr><td>").Append(E(name)).Append("</td><td class=\"n\">").Append(v.Expected).Append("</td><td class=\"n\">").Append(v.Reported)
            .Append("</td><td class=\"n\">").Append(v.OnTime).Append("</td><td class=\"n\">").Append(v.Late).Append("</td><td class=\"n\">").Append(v.Missing)
            .Append("</td><td class=\"n\">").Append(v.ReportedPercent is { } p ? p.ToString("0.#", Inv) + "%" : "—")
            .Append("</td><td class=\"n\">").Append(v.OnTimePercent is { } t ? t.ToString("0.#", Inv) + "%" : "—").Append("</td></tr>");

    public static string TargetText(TargetView? t)
    {
        if (t is null)
        {
            return "";
        }
        if (t.Text is { Length: > 0 } && t.Value is null)
        {
            return t.Text;
        }
        var value = t.Value is { } v ? v.ToString("0.####", Inv) + " " + t.Unit : t.ChangePercent is { } cp ? $"较{t.BaseYear}年变化{cp.ToString("0.#", Inv)}%" : "";
        return $"{t.Comparator} {value}（{t.Year}年）".Trim();
    }

    /// <summary>A small labelled SVG line chart of the series with the target as a dashed line.</summary>
    public static string Sparkline(string label, IReadOnlyList<SeriesPoint> points, TargetView? target)
    {
        var values = points.Where(p => p.Value is not null).Select(p => (p.Year, Value: (double)p.Value!.Value)).ToArray();
        const int W = 160, H = 40, Pad = 4;
        var desc = values.Length == 0 ? "无数据" : string.Join("，", values.Select(v => $"{v.Year}年 {v.Value.ToString("0.##", Inv)}"));
        var s = new StringBuilder();
        s.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(W).Append("\" height=\"").Append(H).Append("\" viewBox=\"0 0 ").Append(W).Append(' ').Append(H)
            .Append("\" role=\"img\" aria-label=\"").Append(E(label + "趋势：" + desc)).Append("\"><title>").Append(E(label + "：" + desc)).Append("</title>");
        if (values.Length > 0)
        {
            var all = values.Select(v => v.Value).ToList();
            if (target?.Value is { } tv)
            {
                all.Add((double)tv);
            }
            double min = all.Min(), max = all.Max();
            if (max - min < 1e-9)
            {
                (min, max) = (min - 1, max + 1);
            }
            int y0 = values.Min(v => v.Year), y1 = Math.Max(values.Max(v => v.Year), y0 + 1);
            string X(int year) => (Pad + (W - 2 * Pad) * (year - y0) / (double)(y1 - y0)).ToString("0.#", Inv);
            string Y(double v) => (H - Pad - (H - 2 * Pad) * (v - min) / (max - min)).ToString("0.#", Inv);
            if (target?.Value is { } t)
            {
                s.Append("<line x1=\"").Append(Pad).Append("\" x2=\"").Append(W - Pad).Append("\" y1=\"").Append(Y((double)t)).Append("\" y2=\"").Append(Y((double)t))
                    .Append("\" stroke=\"#b71c1c\" stroke-dasharray=\"4 3\" stroke-width=\"1\"/>");
            }
            s.Append("<polyline fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\" points=\"")
                .Append(string.Join(' ', values.Select(v => X(v.Year) + "," + Y(v.Value)))).Append("\"/>");
            foreach (var v in values)
            {
                s.Append("<circle r=\"2.5\" fill=\"#1f4e79\" cx=\"").Append(X(v.Year)).Append("\" cy=\"").Append(Y(v.Value)).Append("\"/>");
            }
        }
        s.Append("</svg>");
        return s.ToString();
    }

    private static string Num(decimal? v) => v is { } d ? d.ToString("0.##", Inv) : "—";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
