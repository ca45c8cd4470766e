using System.Security.Claims;
using OrleansPlans.Domain;

namespace OrleansPlans.Gateway.Security;

/// <summary>What a caller wants to do at an org unit; each role allows some of these within its scope.</summary>
public enum OrgAccess
{
    /// <summary>Read figures, roll-ups, plans and live events of the unit and its subtree.</summary>
    Read,
    /// <summary>Push data values (a county's, or a department's indicators of it).</summary>
    Push,
    /// <summary>Submit a county's figures of a year for approval.</summary>
    Submit,
    /// <summary>Approve, return or unapprove submitted figures (city and province approvers).</summary>
    Approve,
    /// <summary>Report on the measures a department leads (department and county reporters).</summary>
    MeasureReport,
    /// <summary>Manage keys, role assignments, the catalogue and plans; read the audit trail.</summary>
    Administer,
}

/// <summary>The roles of the system (claim <c>role</c>) and what each may do within its org-unit scope.</summary>
public static class Roles
{
    public const string ProvinceAdmin = "province-admin";
    public const string Viewer = "viewer";
    public const string CountyReporter = "county-reporter";
    public const string DepartmentReporter = "department-reporter";
    public const string CityApprover = "city-approver";
    public const string ProvinceApprover = "province-approver";
    /// <summary>Operations staff: the Orleans dashboard and /metrics, no figures.</summary>
    public const string Operator = "operator";

    public static readonly IReadOnlyList<string> All = [ProvinceAdmin, Viewer, CountyReporter, DepartmentReporter, CityApprover, ProvinceApprover, Operator];

    /// <summary>The national scope (above every province): for operators of a multi-province deployment and tests.</summary>
    public const string NationalScope = "000000";

    public static bool Allows(string role, OrgAccess access) => access switch
    {
        OrgAccess.Read => role is ProvinceAdmin or Viewer or CountyReporter or DepartmentReporter or CityApprover or ProvinceApprover,
        // Administrators import on behalf of counties that cannot push themselves (still only within their subtree).
        OrgAccess.Push => role is ProvinceAdmin or CountyReporter or DepartmentReporter,
        OrgAccess.Submit => role is CountyReporter or ProvinceAdmin,
        OrgAccess.Approve => role is CityApprover or ProvinceApprover,
        OrgAccess.MeasureReport => role is DepartmentReporter or CountyReporter,
        OrgAccess.Administer => role is ProvinceAdmin,
        _ => false,
    };

    /// <summary>
    /// Why a role cannot be granted at a scope (null when it can): reporters work at a county, city approvers at a
    /// city, province roles at a province (or nationally); department reporters name a known department.
    /// </summary>
    public static string? InvalidGrant(PlanData data, string? role, string? orgUnit, string? department)
    {
        if (role is null || !All.Contains(role))
        {
            return $"role must be one of {string.Join(", ", All)}";
        }
        if (orgUnit is null)
        {
            return "orgUnit is required (six-digit division code)";
        }
        OrgUnitLevel? level = orgUnit == NationalScope ? null : data.OrgUnit(orgUnit)?.Level;
        if (orgUnit != NationalScope && level is null)
        {
            return $"unknown org unit '{orgUnit}'";
        }
        var levelError = role switch
        {
            // 东莞市 (441900) is both: the city its approver acts for and the county-level unit its reporters report for.
            CountyReporter or DepartmentReporter when data.ReportingUnit(orgUnit) is null => "reporters are granted at a county-level unit",
            CityApprover when level != OrgUnitLevel.Prefecture => "city approvers are granted at a city (prefecture-level unit)",
            ProvinceAdmin or ProvinceApprover when level is not (OrgUnitLevel.Province or null) => "province roles are granted at a province (or 000000, national)",
            _ => null,
        };
        if (levelError is not null)
        {
            return levelError;
        }
        if (role == DepartmentReporter && (department is null || data.ResolveDepartment(department)?.Code != department))
        {
            return "department reporters need the canonical code of a known department (GET /api/v1/departments)";
        }
        if (role != DepartmentReporter && department is not null)
        {
            return "only department reporters carry a department";
        }
        return null;
    }
}

/// <summary>The claim types the gateway issues and reads (JWT claim names; inbound claim mapping is off).</summary>
public static class PlansClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string OrgUnit = "org_unit";
    public const string Department = "department";
    /// <summary>How the caller authenticated: bearer or api-key (and the key id for rate limiting and audit).</summary>
    public const string AuthMethod = "auth_method";
    public const string ApiKeyId = "api_key_id";
}

/// <summary>A caller as the access rules see it: one role at one org unit (and a department for department reporters).</summary>
public sealed record PlansPrincipal(string Subject, string Role, string OrgUnit, string? Department)
{
    public static PlansPrincipal? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var claims = PrincipalClaims.Of(user);
        return claims.Role is null || claims.OrgUnit is null ? null : new PlansPrincipal(claims.SubjectOf(user), claims.Role, claims.OrgUnit, claims.Department);
    }

    /// <summary>The name audit entries and the ledger record: "apikey:&lt;id&gt;" or the token subject.</summary>
    public static string SubjectOf(ClaimsPrincipal user) => PrincipalClaims.Of(user).SubjectOf(user);

    public bool Allows(OrgAccess access) => Roles.Allows(Role, access);
}

/// <summary>
/// The claims the access rules read, found in one pass over the principal's identities: the first value of each type
/// (what <see cref="ClaimsPrincipal.FindFirst(string)"/> returns, claim types compared ordinally ignoring case) and how
/// many role, org-unit and department claims there are. This runs several times on every request: the token
/// identity's FindFirst allocates a predicate, a closure and two enumerators per call (~7 % of the gateway's
/// allocation per roll-up read in session 11's trace).
/// </summary>
public readonly record struct PrincipalClaims(
    string? Role, int Roles, string? OrgUnit, int OrgUnits, string? Department, int Departments, string? Subject, string? ApiKeyId)
{
    public static PrincipalClaims Of(ClaimsPrincipal user)
    {
        string? role = null, orgUnit = null, department = null, subject = null, apiKeyId = null;
        int roles = 0, orgUnits = 0, departments = 0;
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                var type = claim.Type;
                if (Is(type, PlansClaims.Role))
                {
                    roles++;
                    role ??= claim.Value;
                }
                else if (Is(type, PlansClaims.OrgUnit))
                {
                    orgUnits++;
                    orgUnit ??= claim.Value;
                }
                else if (Is(type, PlansClaims.Department))
                {
                    departments++;
                    department ??= claim.Value;
                }
                else if (Is(type, PlansClaims.Subject))
                {
                    subject ??= claim.Value;
                }
                else if (Is(type, PlansClaims.ApiKeyId))
                {
                    apiKeyId ??= claim.Value;
                }
            }
        }
        return new PrincipalClaims(role, roles, orgUnit, orgUnits, department, departments, subject, apiKeyId);
    }

    /// <summary>"apikey:&lt;id&gt;" for an API key, else the token subject, else the identity's name.</summary>
    public string SubjectOf(ClaimsPrincipal user) =>
        ApiKeyId is { } key ? "apikey:" + key : Subject ?? user.Identity?.Name ?? "anonymous";

    private static bool Is(string type, string expected) => string.Equals(type, expected, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Whether an org unit lies in a scope: the scope unit itself or a descendant (division data from PlanData).</summary>
public sealed class OrgScope(PlanData data)
{
    public bool Contains(string scope, string orgUnit)
    {
        // The national scope covers every unit, and lets the endpoint answer 404 for an unknown one; any other
        // scope contains only known units (an unknown code is as foreign as another province's).
        if (scope == Roles.NationalScope)
        {
            return true;
        }
        // Up the unit's chain of parents (without materializing it: this runs on every org-scoped request).
        for (var unit = data.OrgUnit(orgUnit); unit is not null; unit = unit.ParentCode is null ? null : data.OrgUnit(unit.ParentCode))
        {
            if (unit.Code == scope)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Every org unit of a scope (for filtering stored rows by unit).</summary>
    public IReadOnlyCollection<string> UnitsOf(string scope)
    {
        if (scope == Roles.NationalScope)
        {
            return [.. data.OrgUnits.Keys];
        }
        var units = new List<string>();
        void Walk(string code)
        {
            units.Add(code);
            foreach (var child in data.ChildrenOf(code))
            {
                // A city without counties has its own code as its only child (PlanData.ReportingUnit).
                if (child.Code != code)
                {
                    Walk(child.Code);
                }
            }
        }
        if (data.OrgUnit(scope) is not null)
        {
            Walk(scope);
        }
        return units;
    }

    /// <summary>
    /// The rows of a push a principal may not send, with the reason: a department reporter only sends the
    /// indicators its department reports (the catalogue's department), and cannot name another department.
    /// </summary>
    public IReadOnlyList<(int Row, string Reason)> RowsOutsideScope(PlansPrincipal principal, IReadOnlyList<Contracts.DataValueRow> rows)
    {
        if (principal.Role != Roles.DepartmentReporter)
        {
            return [];
        }
        var offending = new List<(int, string)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (data.Indicators.TryGetValue(row.Indicator, out var indicator) && indicator.Department != principal.Department)
            {
                offending.Add((i, $"indicator '{row.Indicator}' is reported by department '{indicator.Department}', not '{principal.Department}'"));
            }
            else if (!data.Indicators.ContainsKey(row.Indicator))
            {
                offending.Add((i, $"indicator '{row.Indicator}' is not one department '{principal.Department}' reports"));
            }
            else if (row.Department is not null && data.ResolveDepartment(row.Department)?.Code is { } named && named != principal.Department)
            {
                offending.Add((i, $"department '{row.Department}' is not '{principal.Department}'"));
            }
        }
        return offending;
    }
}
