using OrleansPlans.Domain.Evaluation;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace OrleansPlans.Domain.Loading;

/// <summary>The cross-indicator validation rules of <c>data/validation-rules.yaml</c>.</summary>
public sealed class ValidationRuleSet(IReadOnlyList<ValidationRule> rules)
{
    public const string FileName = "validation-rules.yaml";

    /// <summary>Rule ids carry this prefix in warnings, so they are never confused with the per-indicator rules.</summary>
    public const string IdPrefix = "rule:";

    public static readonly ValidationRuleSet Empty = new([]);

    public IReadOnlyList<ValidationRule> Rules { get; } = rules;

    /// <summary>The rules that read an indicator on either side.</summary>
    public IEnumerable<ValidationRule> Touching(string indicator) =>
        Rules.Where(r => r.Left.Indicator == indicator || r.Right.Indicator == indicator);

    /// <summary>Loads and checks the rules (known indicators, parts and operators, unique ids); a missing file means no rules.</summary>
    public static ValidationRuleSet Load(string dataDirectory, PlanData data)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }
        var yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
        var file = yaml.Deserialize<RulesFile>(File.ReadAllText(path)) ?? new RulesFile();
        var errors = new List<DataError>();
        var rules = new List<ValidationRule>();
        foreach (var (r, i) in file.Rules.Select((r, i) => (r, i)))
        {
            var where = $"rule {i + 1} ({r.Id ?? "no id"})";
            void Error(string field, string message) => errors.Add(new DataError(FileName, null, where, field, message));
            if (string.IsNullOrWhiteSpace(r.Id))
            {
                Error("id", "every rule needs an id");
            }
            else if (rules.Any(x => x.Id == IdPrefix + r.Id))
            {
                Error("id", "duplicate id");
            }
            var left = Operand(r.Left, "left", Error);
            var right = Operand(r.Right, "right", Error);
            if (!ValidationRule.Operators.Contains(r.Operator ?? ""))
            {
                Error("operator", $"'{r.Operator}' is not one of {string.Join(" ", ValidationRule.Operators)}");
            }
            else if (left is not null && right is not null && !string.IsNullOrWhiteSpace(r.Id))
            {
                rules.Add(new ValidationRule(IdPrefix + r.Id, left, r.Operator!, right, r.Description));
            }
        }
        if (errors.Count > 0)
        {
            throw new DataValidationException(errors);
        }
        return new ValidationRuleSet(rules);

        RuleOperand? Operand(OperandEntry? o, string side, Action<string, string> error)
        {
            if (o?.Indicator is not { } code || !data.Indicators.TryGetValue(code, out var indicator) || !indicator.IsNumeric)
            {
                error(side + ".indicator", $"'{o?.Indicator}' is not a numeric indicator of the catalogue");
                return null;
            }
            FigurePart? part = (o.Part ?? "value") switch
            {
                "value" => FigurePart.Value,
                "numerator" when indicator.HasDenominator => FigurePart.Numerator,
                "denominator" when indicator.HasDenominator => FigurePart.Denominator,
                _ => null,
            };
            if (part is null)
            {
                error(side + ".part", $"'{o.Part}' is not value, numerator or denominator of {code}");
                return null;
            }
            return new RuleOperand(code, part.Value);
        }
    }

    private sealed class RulesFile
    {
        public List<RuleEntry> Rules { get; set; } = [];
    }

    private sealed class RuleEntry
    {
        public string? Id { get; set; }

        public string? Description { get; set; }

        public OperandEntry? Left { get; set; }

        public string? Operator { get; set; }

        public OperandEntry? Right { get; set; }
    }

    private sealed class OperandEntry
    {
        public string? Indicator { get; set; }

        public string? Part { get; set; }
    }
}
