using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace OrleansPlans.Domain.Loading;

/// <summary>
/// Loads and validates everything under <c>data/</c>. Collects every error (file, plan, goal, field) before
/// failing, so whoever corrects the files sees them all at once.
/// </summary>
public sealed class PlanDataLoader
{
    private static readonly string[] Comparators = ["<", "<=", ">", ">=", "=", "increase", "decrease", "maintain", "qualitative"];
    private static readonly string[] NumericComparators = ["<", "<=", ">", ">=", "="];

    private readonly IDeserializer _yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    private readonly List<DataError> _errors = [];
    private readonly string _root;

    private PlanDataLoader(string root) => _root = root;

    /// <summary>Loads the data directory or throws <see cref="DataValidationException"/> listing every problem.</summary>
    public static PlanData Load(string dataDirectory, int baselineYear = 2020)
    {
        var loader = new PlanDataLoader(dataDirectory);
        var data = loader.LoadAll(baselineYear);
        if (loader._errors.Count > 0)
        {
            throw new DataValidationException(loader._errors);
        }
        return data;
    }

    /// <summary>Finds <c>data/</c> next to the binaries (copied at build) or up the directory tree (a source checkout).</summary>
    public static string LocateDataDirectory(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data");
                if (Directory.Exists(Path.Combine(candidate, "indicators")))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("No data/ directory with indicators/ found next to the application or above the working directory.");
    }

    private PlanData LoadAll(int baselineYear)
    {
        var departments = LoadDepartments();
        var departmentCodes = departments.Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        var indicators = LoadIndicators(departmentCodes);
        var byCode = indicators.GroupBy(i => i.Code, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var divisions = LoadDivisions();
        var divisionByCode = divisions.GroupBy(d => d.Code, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var national = LoadNationalTargets(byCode);
        var plans = LoadPlans(byCode, divisionByCode, departments.ToDictionary(d => d.Code, StringComparer.Ordinal), new DepartmentDirectory(departments));
        return new PlanData(byCode.Values, departments, divisions, plans, national, baselineYear);
    }

    /// <summary>A path as staff know it: data/plans/511725-women.yaml, wherever the directory is mounted.</summary>
    private string Rel(string path) => "data/" + Path.GetRelativePath(_root, path).Replace('\\', '/');

    private T? ReadYaml<T>(string path) where T : class
    {
        try
        {
            return _yaml.Deserialize<T>(File.ReadAllText(path, Encoding.UTF8));
        }
        catch (YamlException e)
        {
            var inner = e.InnerException?.Message ?? e.Message;
            _errors.Add(new DataError(Rel(path), null, $"line {e.Start.Line}, column {e.Start.Column}", "(yaml)", inner));
            return null;
        }
    }

    private List<Department> LoadDepartments()
    {
        var path = Path.Combine(_root, "departments.yaml");
        var result = new List<Department>();
        if (!File.Exists(path))
        {
            _errors.Add(new DataError(Rel(path), null, null, "(file)", "missing"));
            return result;
        }
        var file = ReadYaml<DepartmentsFile>(path);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (d, i) in (file?.Departments ?? []).Select((d, i) => (d, i)))
        {
            var where = $"department #{i + 1} ({d.Code})";
            if (string.IsNullOrWhiteSpace(d.Code) || string.IsNullOrWhiteSpace(d.NameZh))
            {
                _errors.Add(new DataError(Rel(path), null, where, string.IsNullOrWhiteSpace(d.Code) ? "code" : "nameZh", "required"));
                continue;
            }
            if (!seen.Add(d.Code))
            {
                _errors.Add(new DataError(Rel(path), null, where, "code", "duplicate department code"));
                continue;
            }
            result.Add(new Department(d.Code, d.NameZh, d.NameEn ?? d.Code, d.Aliases ?? []));
        }
        return result;
    }

    private List<IndicatorDefinition> LoadIndicators(HashSet<string> departments)
    {
        var dir = Path.Combine(_root, "indicators");
        var result = new List<IndicatorDefinition>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal).ToArray() : [];
        if (files.Length == 0)
        {
            _errors.Add(new DataError(Rel(dir), null, null, "(file)", "no indicator catalogue files"));
        }
        foreach (var path in files)
        {
            var file = ReadYaml<IndicatorsFile>(path);
            foreach (var (e, i) in (file?.Indicators ?? []).Select((e, i) => (e, i)))
            {
                var where = $"indicator #{i + 1} ({e.Code})";
                void Error(string field, string message) => _errors.Add(new DataError(Rel(path), null, where, field, message));
                var before = _errors.Count;
                if (string.IsNullOrWhiteSpace(e.Code)) { Error("code", "required"); continue; }
                if (seen.TryGetValue(e.Code, out var other)) { Error("code", $"duplicate indicator code (also in {other})"); continue; }
                seen[e.Code] = Rel(path);
                if (string.IsNullOrWhiteSpace(e.NameZh)) { Error("nameZh", "required"); }
                if (string.IsNullOrWhiteSpace(e.NameEn)) { Error("nameEn", "required"); }
                if (!PlanAreas.TryParsePlan(e.Plan, out var plan)) { Error("plan", $"'{e.Plan}' is not women or children"); }
                else if (e.Area is null || !PlanAreas.IsValid(plan, e.Area)) { Error("area", $"'{e.Area}' is not an area of the {e.Plan} plan"); }
                var kind = ParseKind(e.Kind);
                if (kind is null) { Error("kind", $"'{e.Kind}' is not rate, percentage, count, mean or qualitative"); }
                var direction = e.Direction switch { "higher" => Direction.Higher, "lower" => Direction.Lower, "none" => Direction.None, _ => (Direction?)null };
                if (direction is null) { Error("direction", $"'{e.Direction}' is not higher, lower or none"); }
                if (e.Unit is null || !Units.Known.Contains(e.Unit)) { Error("unit", $"'{e.Unit}' is not a known unit"); }
                if (kind == IndicatorKind.Rate && e.Factor is not > 0) { Error("factor", "a rate needs a positive factor (1000 for ‰, 100000 for 1/10万)"); }
                if (kind == IndicatorKind.Percentage && e.Unit != "%") { Error("unit", "a percentage is expressed in %"); }
                if (kind is IndicatorKind.Rate or IndicatorKind.Percentage && (string.IsNullOrWhiteSpace(e.Numerator) || string.IsNullOrWhiteSpace(e.Denominator)))
                {
                    Error(string.IsNullOrWhiteSpace(e.Numerator) ? "numerator" : "denominator", "a rate or percentage defines its numerator and denominator");
                }
                foreach (var d in e.Disaggregations ?? [])
                {
                    if (!Disaggregation.Categories.Contains(d)) { Error("disaggregations", $"'{d}' is not sex, area or age"); }
                }
                if ((e.Disaggregations ?? []).Contains("age") && (e.AgeGroups ?? []).Count == 0) { Error("ageGroups", "an age disaggregation lists its age groups"); }
                if (e.Department is null || !departments.Contains(e.Department)) { Error("department", $"'{e.Department}' is not a department code in departments.yaml"); }
                if (_errors.Count > before)
                {
                    continue;
                }
                var factor = kind switch { IndicatorKind.Rate => e.Factor!.Value, IndicatorKind.Percentage => 100m, _ => 1m };
                result.Add(new IndicatorDefinition(
                    e.Code, e.NameZh!, e.NameEn!, plan, e.Area!, kind!.Value, factor, e.Unit!, e.Numerator, e.Denominator, direction!.Value,
                    e.NumeratorWithinDenominator ?? kind == IndicatorKind.Percentage, e.Disaggregations ?? [], e.AgeGroups ?? [], e.Department!, Rel(path)));
            }
        }
        return result;
    }

    private static IndicatorKind? ParseKind(string? kind) => kind switch
    {
        "rate" => IndicatorKind.Rate,
        "percentage" => IndicatorKind.Percentage,
        "count" => IndicatorKind.Count,
        "mean" => IndicatorKind.Mean,
        "qualitative" => IndicatorKind.Qualitative,
        _ => null,
    };

    private List<OrgUnit> LoadDivisions()
    {
        var path = Path.Combine(_root, "divisions", "divisions.csv");
        var result = new List<OrgUnit>();
        if (!File.Exists(path))
        {
            _errors.Add(new DataError(Rel(path), null, null, "(file)", "missing"));
            return result;
        }
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0 || lines[0].Trim() != "code,name,level,parent")
        {
            _errors.Add(new DataError(Rel(path), null, "line 1", "(header)", "expected 'code,name,level,parent'"));
            return result;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0)
            {
                continue;
            }
            var cols = SplitCsv(lines[n]);
            var where = $"line {n + 1}";
            if (cols.Count != 4) { _errors.Add(new DataError(Rel(path), null, where, "(row)", "expected 4 columns")); continue; }
            var (code, name, level, parent) = (cols[0], cols[1], cols[2], cols[3]);
            if (code.Length != 6 || !code.All(char.IsAsciiDigit)) { _errors.Add(new DataError(Rel(path), null, where, "code", $"'{code}' is not a six-digit code")); continue; }
            if (!seen.Add(code)) { _errors.Add(new DataError(Rel(path), null, where, "code", $"duplicate code {code}")); continue; }
            OrgUnitLevel? lvl = level switch { "province" => OrgUnitLevel.Province, "prefecture" => OrgUnitLevel.Prefecture, "county" => OrgUnitLevel.County, _ => null };
            if (lvl is null) { _errors.Add(new DataError(Rel(path), null, where, "level", $"'{level}' is not province, prefecture or county")); continue; }
            result.Add(new OrgUnit(code, name, lvl.Value, parent.Length == 0 ? null : parent));
        }
        var byCode = result.ToDictionary(o => o.Code, StringComparer.Ordinal);
        foreach (var o in result)
        {
            var expectedParent = o.Level switch { OrgUnitLevel.County => OrgUnitLevel.Prefecture, OrgUnitLevel.Prefecture => OrgUnitLevel.Province, _ => (OrgUnitLevel?)null };
            if (expectedParent is null && o.ParentCode is not null)
            {
                _errors.Add(new DataError(Rel(path), null, o.Code, "parent", "a province has no parent"));
            }
            else if (expectedParent is not null && (o.ParentCode is null || !byCode.TryGetValue(o.ParentCode, out var p) || p.Level != expectedParent))
            {
                _errors.Add(new DataError(Rel(path), null, o.Code, "parent", $"'{o.ParentCode}' is not a {expectedParent.ToString()!.ToLowerInvariant()} in the file"));
            }
        }
        return result;
    }

    private static List<string> SplitCsv(string line)
    {
        var cols = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { sb.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { cols.Add(sb.ToString()); sb.Clear(); }
            else { sb.Append(c); }
        }
        cols.Add(sb.ToString());
        return cols;
    }

    private List<NationalTarget> LoadNationalTargets(Dictionary<string, IndicatorDefinition> indicators)
    {
        var path = Path.Combine(_root, "national-targets.yaml");
        var result = new List<NationalTarget>();
        if (!File.Exists(path))
        {
            return result;
        }
        var file = ReadYaml<NationalTargetsFile>(path);
        foreach (var (t, i) in (file?.Targets ?? []).Select((t, i) => (t, i)))
        {
            var where = $"target #{i + 1} ({t.Indicator})";
            var checkedTarget = CheckTarget(Rel(path), null, where, t, indicators, new PlanPeriod(2021, 2030), 2030);
            if (checkedTarget is { Indicator: not null } ok)
            {
                result.Add(new NationalTarget(ok.Indicator, ok.Comparator, ok.Value, ok.Unit ?? indicators[ok.Indicator].Unit, ok.Year, ok.BaseYear, ok.ChangePercent, ok.Approximate));
            }
            else if (checkedTarget is not null)
            {
                _errors.Add(new DataError(Rel(path), null, where, "indicator", "a national target names its indicator"));
            }
        }
        return result;
    }

    private List<Plan> LoadPlans(Dictionary<string, IndicatorDefinition> indicators, Dictionary<string, OrgUnit> divisions,
        Dictionary<string, Department> departments, DepartmentDirectory directory)
    {
        var dir = Path.Combine(_root, "plans");
        var result = new List<Plan>();
        if (!Directory.Exists(dir))
        {
            return result;
        }
        foreach (var path in Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal))
        {
            var file = ReadYaml<PlanFile>(path);
            if (file is null)
            {
                continue;
            }
            if (LoadPlan(path, file, indicators, divisions, departments, directory) is { } plan)
            {
                result.Add(plan);
            }
        }
        foreach (var dup in result.GroupBy(p => (p.County, p.Kind)).Where(g => g.Count() > 1))
        {
            _errors.Add(new DataError(dup.Last().File, $"{dup.Key.County}-{PlanAreas.PlanCode(dup.Key.Kind)}", null, "county", "more than one file holds this plan"));
        }
        return result;
    }

    private Plan? LoadPlan(string path, PlanFile f, Dictionary<string, IndicatorDefinition> indicators, Dictionary<string, OrgUnit> divisions,
        Dictionary<string, Department> departments, DepartmentDirectory directory)
    {
        var rel = Rel(path);
        var planName = Path.GetFileNameWithoutExtension(path);
        var before = _errors.Count;
        void Error(string? location, string field, string message) => _errors.Add(new DataError(rel, planName, location, field, message));

        // A plan is adopted by a county-level unit, or by a city without counties (东莞市), which reports itself.
        if (f.County is null || !divisions.TryGetValue(f.County, out var county)
            || !(county.Level == OrgUnitLevel.County || PlanData.StandInsOf(divisions.Values).Any(s => s.Code == county.Code)))
        {
            Error(null, "county", $"'{f.County}' is not a county-level unit in data/divisions/divisions.csv");
        }
        if (!PlanAreas.TryParsePlan(f.Plan, out var kind))
        {
            Error(null, "plan", $"'{f.Plan}' is not women or children");
            return null;
        }
        if (planName != $"{f.County}-{f.Plan}")
        {
            Error(null, "county", $"the file name should be {f.County}-{f.Plan}.yaml");
        }
        if (string.IsNullOrWhiteSpace(f.Title)) { Error(null, "title", "required"); }
        if (f.Period?.Start is not { } start || f.Period?.End is not { } end || start > end || start < 2000 || end > 2100)
        {
            Error(null, "period", "needs start ≤ end, e.g. { start: 2021, end: 2030 }");
            return null;
        }
        var period = new PlanPeriod(start, end);
        DateOnly? issued = null;
        if (f.Issued is not null)
        {
            if (DateOnly.TryParseExact(f.Issued, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) { issued = d; }
            else { Error(null, "issued", $"'{f.Issued}' is not a yyyy-MM-dd date"); }
        }
        var localDepartments = f.Departments ?? [];
        foreach (var (local, code) in localDepartments)
        {
            if (!departments.ContainsKey(code))
            {
                Error($"departments['{local}']", "departments", $"'{code}' is not a department code in data/departments.yaml");
            }
        }
        var areas = new List<PlanArea>();
        var seenAreas = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in f.Areas ?? [])
        {
            if (a.Area is null || !PlanAreas.IsValid(kind, a.Area))
            {
                Error($"area '{a.Area}'", "area", $"'{a.Area}' is not an area of the {f.Plan} plan");
                continue;
            }
            if (!seenAreas.Add(a.Area))
            {
                Error($"area {a.Area}", "area", "the area appears twice");
                continue;
            }
            var goals = new List<PlanGoal>();
            var goalNumbers = new HashSet<int>();
            foreach (var (g, gi) in (a.Goals ?? []).Select((g, gi) => (g, gi)))
            {
                var where = $"area {a.Area} goal {g.No?.ToString(CultureInfo.InvariantCulture) ?? "#" + (gi + 1)}";
                if (g.No is not { } no) { Error(where, "no", "required"); continue; }
                if (!goalNumbers.Add(no)) { Error(where, "no", $"duplicate goal number {no}"); }
                if (string.IsNullOrWhiteSpace(g.Text)) { Error(where, "text", "required"); }
                var targets = CheckTargets(rel, planName, where, g.Targets, indicators, period);
                goals.Add(new PlanGoal(no, g.Text ?? "", targets));
            }
            var measures = new List<PlanMeasure>();
            var measureNumbers = new HashSet<int>();
            foreach (var (m, mi) in (a.Measures ?? []).Select((m, mi) => (m, mi)))
            {
                var where = $"area {a.Area} measure {m.No?.ToString(CultureInfo.InvariantCulture) ?? "#" + (mi + 1)}";
                if (m.No is not { } no) { Error(where, "no", "required"); continue; }
                if (!measureNumbers.Add(no)) { Error(where, "no", $"duplicate measure number {no}"); }
                if (string.IsNullOrWhiteSpace(m.Title)) { Error(where, "title", "required"); }
                foreach (var name in (m.Lead ?? []).Concat(m.Cooperating ?? []))
                {
                    if (!localDepartments.ContainsKey(name) && directory.Resolve(name) is null)
                    {
                        Error(where, "lead/cooperating", $"'{name}' is neither listed under departments nor a known department name");
                    }
                }
                var targets = CheckTargets(rel, planName, where, m.Targets, indicators, period);
                measures.Add(new PlanMeasure(no, m.Title ?? "", m.Lead ?? [], m.Cooperating ?? [], targets));
            }
            areas.Add(new PlanArea(a.Area, a.NameZh ?? PlanAreas.Of(kind).First(x => x.Code == a.Area).NameZh, goals, measures));
        }
        if (_errors.Count > before)
        {
            return null;
        }
        return new Plan(f.County!, kind, f.Title!, period, issued, f.DocumentNumber, f.Source, f.Notes ?? [], localDepartments, areas, rel);
    }

    private List<PlanTarget> CheckTargets(string rel, string plan, string where, List<TargetEntry>? entries, Dictionary<string, IndicatorDefinition> indicators, PlanPeriod period)
    {
        var result = new List<PlanTarget>();
        foreach (var (t, i) in (entries ?? []).Select((t, i) => (t, i)))
        {
            if (CheckTarget(rel, plan, $"{where} target {i + 1}", t, indicators, period, period.End) is { } ok)
            {
                result.Add(ok);
            }
        }
        return result;
    }

    private PlanTarget? CheckTarget(string rel, string? plan, string where, TargetEntry t, Dictionary<string, IndicatorDefinition> indicators, PlanPeriod period, int defaultYear)
    {
        var before = _errors.Count;
        void Error(string field, string message) => _errors.Add(new DataError(rel, plan, where, field, message));
        IndicatorDefinition? indicator = null;
        if (t.Indicator is not null && !indicators.TryGetValue(t.Indicator, out indicator))
        {
            Error("indicator", $"unknown indicator code '{t.Indicator}'");
        }
        if (t.Indicator is null && string.IsNullOrWhiteSpace(t.Subject))
        {
            Error("subject", "a target without an indicator names its subject");
        }
        if (t.Comparator is null || !Comparators.Contains(t.Comparator))
        {
            Error("comparator", $"'{t.Comparator}' is not one of {string.Join(", ", Comparators)}");
        }
        else if (NumericComparators.Contains(t.Comparator))
        {
            var forms = (t.Value is not null ? 1 : 0) + (t.BaseYear is not null || t.ChangePercent is not null ? 1 : 0) + (t.ReferenceIndicator is not null ? 1 : 0);
            if (forms != 1)
            {
                Error("value", "a numeric comparator needs exactly one of: value, baseYear with changePercent, referenceIndicator");
            }
            if ((t.BaseYear is null) != (t.ChangePercent is null))
            {
                Error("baseYear", "baseYear and changePercent go together");
            }
            if (t.Indicator is null && t.Value is not null)
            {
                Error("indicator", "a numeric target must point to a catalogue indicator");
            }
        }
        else if (t.Value is not null)
        {
            Error("value", $"comparator '{t.Comparator}' takes no value");
        }
        if (t.ReferenceIndicator is not null && !indicators.ContainsKey(t.ReferenceIndicator))
        {
            Error("referenceIndicator", $"unknown indicator code '{t.ReferenceIndicator}'");
        }
        if (t.Unit is not null && !Units.Known.Contains(t.Unit))
        {
            Error("unit", $"'{t.Unit}' is not a known unit");
        }
        else if (indicator is not null && t.Value is not null && !Units.Convertible(t.Unit ?? indicator.Unit, indicator.Unit))
        {
            Error("unit", $"'{t.Unit}' does not match the indicator's unit '{indicator.Unit}'");
        }
        var year = t.Year ?? defaultYear;
        if (year < period.Start || year > period.End)
        {
            Error("year", $"{year} is outside the plan period {period.Start}–{period.End}");
        }
        if (t.BaseYear is { } by && (by < 2000 || by >= year))
        {
            Error("baseYear", $"{by} must be before the target year {year}");
        }
        if (indicator is not null)
        {
            foreach (var (category, option) in t.Disaggregation ?? [])
            {
                if (!indicator.Disaggregations.Contains(category) || !indicator.OptionsOf(category).Contains(option))
                {
                    Error("disaggregation", $"'{category}={option}' is not a disaggregation of {indicator.Code}");
                }
            }
        }
        if (_errors.Count > before)
        {
            return null;
        }
        return new PlanTarget(t.Indicator, t.Subject, t.Comparator!, t.Value, t.Unit, year, t.Approximate ?? false, t.BaseYear, t.ChangePercent,
            t.ReferenceIndicator, t.Disaggregation ?? [], t.Text);
    }
}
