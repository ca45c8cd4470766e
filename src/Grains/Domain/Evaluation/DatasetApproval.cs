namespace OrleansPlans.Domain.Evaluation;

/// <summary>Where a county's annual dataset stands in the approval chain.</summary>
public enum ApprovalState
{
    /// <summary>The county is entering data (also where a returned dataset goes back to).</summary>
    Open,
    /// <summary>The county has submitted; the city reviews.</summary>
    Submitted,
    /// <summary>The city has approved; locked.</summary>
    ApprovedByCity,
    /// <summary>The province has approved; locked.</summary>
    ApprovedByProvince,
}

public enum ApprovalAction
{
    /// <summary>County: Open → Submitted.</summary>
    Submit,
    /// <summary>City: Submitted → ApprovedByCity; province: ApprovedByCity → ApprovedByProvince once all its cities have approved.</summary>
    Approve,
    /// <summary>City: Submitted → Open, with a comment saying what to correct.</summary>
    Return,
    /// <summary>Province: ApprovedByProvince → ApprovedByCity; city: ApprovedByCity → Submitted, or Open with ReturnToCounty. Needs a comment.</summary>
    Unapprove,
}

/// <summary>The level acting on the dataset.</summary>
public enum ApprovalRole
{
    County,
    City,
    Province,
}

/// <summary>Why a transition was refused.</summary>
public enum ApprovalError
{
    /// <summary>The action is not possible in the current state, whoever attempts it.</summary>
    NotAllowedInState,
    /// <summary>The action is possible in this state, but not for this level.</summary>
    WrongRole,
    /// <summary>Returning and un-approving must say why.</summary>
    CommentRequired,
    /// <summary>The province approves only once all its cities have approved.</summary>
    CitiesNotAllApproved,
}

/// <summary>Who acts, when, and the facts the guards need.</summary>
/// <param name="AllCitiesApproved">Supplied by the caller (the province grain knows its cities): required for the province's approval.</param>
/// <param name="ReturnToCounty">For a city's un-approval: reopen the dataset for the county (Open) instead of back to Submitted.</param>
public sealed record ApprovalContext(string Actor, DateTimeOffset At, string? Comment = null, bool AllCitiesApproved = false, bool ReturnToCounty = false);

/// <summary>The audit record of one transition.</summary>
public sealed record ApprovalAudit(ApprovalState From, ApprovalState To, ApprovalAction Action, ApprovalRole Role, string Actor, DateTimeOffset At, string? Comment);

/// <summary>A transition's outcome: the new state and its audit record, or (state unchanged) the error and why.</summary>
public sealed record ApprovalResult(ApprovalState State, ApprovalAudit? Audit, ApprovalError? Error, string? Message)
{
    public bool Allowed => Error is null;
}

/// <summary>
/// The approval state machine of a county's annual dataset (DHIS2-like multi-level approval). Pure: the grain stores the
/// state and appends the audit record.
/// </summary>
/// <remarks>
/// Transitions (every other state × action is refused):
/// <list type="table">
/// <item><term>Open</term><description>Submit (county) → Submitted</description></item>
/// <item><term>Submitted</term><description>Approve (city) → ApprovedByCity; Return (city, comment) → Open</description></item>
/// <item><term>ApprovedByCity</term><description>Approve (province, all cities approved) → ApprovedByProvince;
/// Unapprove (city, comment) → Submitted, or Open with ReturnToCounty</description></item>
/// <item><term>ApprovedByProvince</term><description>Unapprove (province, comment) → ApprovedByCity</description></item>
/// </list>
/// Approved states are locked: figures cannot change until an un-approval (recorded like every transition). A level can
/// only undo its own approval, and only while no higher level has approved (the province must un-approve first), so a
/// lock is never lifted under a higher level's feet. Refusals are checked in this order: the action is impossible in the
/// state (<see cref="ApprovalError.NotAllowedInState"/>), the wrong level attempts it (<see cref="ApprovalError.WrongRole"/>),
/// then the guards (comment, all cities approved).
/// </remarks>
public static class DatasetApproval
{
    /// <summary>Approved data is locked: changes are refused until un-approved.</summary>
    public static bool IsLocked(ApprovalState state) => state is ApprovalState.ApprovedByCity or ApprovalState.ApprovedByProvince;

    public static ApprovalResult Transition(ApprovalState current, ApprovalAction action, ApprovalRole role, ApprovalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(context.Actor);

        // Who may take the action in this state, or why nobody may.
        (ApprovalRole Role, string Rule)? allowed = (current, action) switch
        {
            (ApprovalState.Open, ApprovalAction.Submit) => (ApprovalRole.County, "the county submits its dataset"),
            (ApprovalState.Submitted, ApprovalAction.Approve) => (ApprovalRole.City, "the city approves a submitted dataset"),
            (ApprovalState.Submitted, ApprovalAction.Return) => (ApprovalRole.City, "the city returns a submitted dataset"),
            (ApprovalState.ApprovedByCity, ApprovalAction.Approve) => (ApprovalRole.Province, "the province approves after the city"),
            (ApprovalState.ApprovedByCity, ApprovalAction.Unapprove) => (ApprovalRole.City, "only the city can un-approve its own approval"),
            (ApprovalState.ApprovedByProvince, ApprovalAction.Unapprove) => (ApprovalRole.Province, "only the province can un-approve its approval"),
            _ => null,
        };
        if (allowed is not { } a)
        {
            return Refuse(current, ApprovalError.NotAllowedInState, $"{action} is not possible while the dataset is {current}: {WhyNot(current, action)}");
        }
        if (role != a.Role)
        {
            return Refuse(current, ApprovalError.WrongRole, $"{action} in state {current} is refused for the {role.ToString().ToLowerInvariant()}: {a.Rule}");
        }
        if (action is ApprovalAction.Return or ApprovalAction.Unapprove && string.IsNullOrWhiteSpace(context.Comment))
        {
            return Refuse(current, ApprovalError.CommentRequired, $"{action} needs a comment saying why");
        }
        if (current == ApprovalState.ApprovedByCity && action == ApprovalAction.Approve && !context.AllCitiesApproved)
        {
            return Refuse(current, ApprovalError.CitiesNotAllApproved, "the province approves only once all its cities have approved");
        }
        var next = (current, action) switch
        {
            (ApprovalState.Open, _) => ApprovalState.Submitted,
            (ApprovalState.Submitted, ApprovalAction.Approve) => ApprovalState.ApprovedByCity,
            (ApprovalState.Submitted, _) => ApprovalState.Open,
            (ApprovalState.ApprovedByCity, ApprovalAction.Approve) => ApprovalState.ApprovedByProvince,
            (ApprovalState.ApprovedByCity, _) => context.ReturnToCounty ? ApprovalState.Open : ApprovalState.Submitted,
            _ => ApprovalState.ApprovedByCity,
        };
        var comment = string.IsNullOrWhiteSpace(context.Comment) ? null : context.Comment.Trim();
        return new ApprovalResult(next, new ApprovalAudit(current, next, action, role, context.Actor, context.At, comment), null, null);
    }

    private static string WhyNot(ApprovalState state, ApprovalAction action) => (state, action) switch
    {
        (_, ApprovalAction.Submit) => "only an open dataset can be submitted",
        (ApprovalState.Open, ApprovalAction.Approve or ApprovalAction.Return) => "the county has not submitted it",
        (ApprovalState.ApprovedByProvince, ApprovalAction.Approve) => "it is already approved by the province",
        (_, ApprovalAction.Return) => "only a submitted dataset can be returned; un-approve first",
        (_, ApprovalAction.Unapprove) => "it is not approved",
        _ => "no such transition",
    };

    private static ApprovalResult Refuse(ApprovalState state, ApprovalError error, string message) => new(state, null, error, message);
}
