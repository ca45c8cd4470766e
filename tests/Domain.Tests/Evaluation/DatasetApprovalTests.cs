using OrleansPlans.Domain.Evaluation;
using static OrleansPlans.Domain.Evaluation.ApprovalAction;
using static OrleansPlans.Domain.Evaluation.ApprovalError;
using static OrleansPlans.Domain.Evaluation.ApprovalRole;
using static OrleansPlans.Domain.Evaluation.ApprovalState;

namespace OrleansPlans.Domain.Tests.Evaluation;

public class DatasetApprovalTests
{
    private static readonly DateTimeOffset At = new(2025, 4, 10, 9, 30, 0, TimeSpan.FromHours(8));

    // Guards satisfied, so the table tests only state and role.
    private static readonly ApprovalContext Satisfied = new("alice", At, Comment: "checked", AllCitiesApproved: true);

    /// <summary>Every state × action × role: the new state, or why it is refused.</summary>
    [Theory]
    [InlineData(Open, Submit, County, Submitted, null)]
    [InlineData(Open, Submit, City, null, WrongRole)]
    [InlineData(Open, Submit, Province, null, WrongRole)]
    [InlineData(Open, Approve, County, null, NotAllowedInState)]
    [InlineData(Open, Approve, City, null, NotAllowedInState)]
    [InlineData(Open, Approve, Province, null, NotAllowedInState)]
    [InlineData(Open, Return, County, null, NotAllowedInState)]
    [InlineData(Open, Return, City, null, NotAllowedInState)]
    [InlineData(Open, Return, Province, null, NotAllowedInState)]
    [InlineData(Open, Unapprove, County, null, NotAllowedInState)]
    [InlineData(Open, Unapprove, City, null, NotAllowedInState)]
    [InlineData(Open, Unapprove, Province, null, NotAllowedInState)]
    [InlineData(Submitted, Submit, County, null, NotAllowedInState)]
    [InlineData(Submitted, Submit, City, null, NotAllowedInState)]
    [InlineData(Submitted, Submit, Province, null, NotAllowedInState)]
    [InlineData(Submitted, Approve, County, null, WrongRole)]
    [InlineData(Submitted, Approve, City, ApprovedByCity, null)]
    [InlineData(Submitted, Approve, Province, null, WrongRole)]
    [InlineData(Submitted, Return, County, null, WrongRole)]
    [InlineData(Submitted, Return, City, Open, null)]
    [InlineData(Submitted, Return, Province, null, WrongRole)]
    [InlineData(Submitted, Unapprove, County, null, NotAllowedInState)]
    [InlineData(Submitted, Unapprove, City, null, NotAllowedInState)]
    [InlineData(Submitted, Unapprove, Province, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Submit, County, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Submit, City, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Submit, Province, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Approve, County, null, WrongRole)]
    [InlineData(ApprovedByCity, Approve, City, null, WrongRole)]
    [InlineData(ApprovedByCity, Approve, Province, ApprovedByProvince, null)]
    [InlineData(ApprovedByCity, Return, County, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Return, City, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Return, Province, null, NotAllowedInState)]
    [InlineData(ApprovedByCity, Unapprove, County, null, WrongRole)]
    [InlineData(ApprovedByCity, Unapprove, City, Submitted, null)]
    [InlineData(ApprovedByCity, Unapprove, Province, null, WrongRole)]
    [InlineData(ApprovedByProvince, Submit, County, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Submit, City, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Submit, Province, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Approve, County, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Approve, City, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Approve, Province, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Return, County, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Return, City, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Return, Province, null, NotAllowedInState)]
    [InlineData(ApprovedByProvince, Unapprove, County, null, WrongRole)]
    [InlineData(ApprovedByProvince, Unapprove, City, null, WrongRole)]
    [InlineData(ApprovedByProvince, Unapprove, Province, ApprovedByCity, null)]
    public void Transition_table(ApprovalState from, ApprovalAction action, ApprovalRole role, ApprovalState? to, ApprovalError? error)
    {
        var result = DatasetApproval.Transition(from, action, role, Satisfied);
        if (to is { } next)
        {
            Assert.True(result.Allowed, result.Message);
            Assert.Equal(next, result.State);
            Assert.Equal(new ApprovalAudit(from, next, action, role, "alice", At, "checked"), result.Audit);
        }
        else
        {
            Assert.False(result.Allowed);
            Assert.Equal(error, result.Error);
            Assert.Equal(from, result.State); // unchanged
            Assert.Null(result.Audit);
            Assert.False(string.IsNullOrWhiteSpace(result.Message));
        }
    }

    [Fact]
    public void The_table_covers_every_combination()
    {
        var rows = typeof(DatasetApprovalTests).GetMethod(nameof(Transition_table))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => a.GetData(null!).Single()).Select(r => ((ApprovalState)r[0], (ApprovalAction)r[1], (ApprovalRole)r[2])).ToHashSet();
        Assert.Equal(Enum.GetValues<ApprovalState>().Length * Enum.GetValues<ApprovalAction>().Length * Enum.GetValues<ApprovalRole>().Length, rows.Count);
    }

    [Fact]
    public void Return_and_unapprove_need_a_comment()
    {
        var noComment = new ApprovalContext("bob", At, AllCitiesApproved: true);
        Assert.Equal(CommentRequired, DatasetApproval.Transition(Submitted, Return, City, noComment).Error);
        Assert.Equal(CommentRequired, DatasetApproval.Transition(Submitted, Return, City, noComment with { Comment = "   " }).Error);
        Assert.Equal(CommentRequired, DatasetApproval.Transition(ApprovedByCity, Unapprove, City, noComment).Error);
        Assert.Equal(CommentRequired, DatasetApproval.Transition(ApprovedByProvince, Unapprove, Province, noComment).Error);
        // Submitting and approving need none.
        Assert.True(DatasetApproval.Transition(Open, Submit, County, noComment).Allowed);
        Assert.Null(DatasetApproval.Transition(Open, Submit, County, noComment).Audit!.Comment);
        // The role is checked before the comment.
        Assert.Equal(WrongRole, DatasetApproval.Transition(Submitted, Return, County, noComment).Error);
    }

    [Fact]
    public void Province_approves_only_when_all_cities_have()
    {
        var result = DatasetApproval.Transition(ApprovedByCity, Approve, Province, Satisfied with { AllCitiesApproved = false });
        Assert.Equal(CitiesNotAllApproved, result.Error);
        Assert.Equal(ApprovedByCity, result.State);
    }

    [Fact]
    public void City_unapproval_can_reopen_for_the_county()
    {
        var result = DatasetApproval.Transition(ApprovedByCity, Unapprove, City, Satisfied with { ReturnToCounty = true, Comment = "  births in 2024 double-counted  " });
        Assert.Equal(Open, result.State);
        Assert.Equal("births in 2024 double-counted", result.Audit!.Comment);
        // The flag means nothing to other actions.
        Assert.Equal(ApprovedByCity, DatasetApproval.Transition(Submitted, Approve, City, Satisfied with { ReturnToCounty = true }).State);
    }

    [Theory]
    [InlineData(Open, false)]
    [InlineData(Submitted, false)]
    [InlineData(ApprovedByCity, true)]
    [InlineData(ApprovedByProvince, true)]
    public void Approved_states_are_locked(ApprovalState state, bool locked) => Assert.Equal(locked, DatasetApproval.IsLocked(state));

    [Fact]
    public void A_full_cycle_with_a_return_and_an_unapproval()
    {
        (ApprovalAction, ApprovalRole, ApprovalState)[] steps =
        [
            (Submit, County, Submitted), (Return, City, Open), (Submit, County, Submitted), (Approve, City, ApprovedByCity),
            (Approve, Province, ApprovedByProvince), (Unapprove, Province, ApprovedByCity), (Unapprove, City, Submitted),
            (Approve, City, ApprovedByCity), (Approve, Province, ApprovedByProvince),
        ];
        var state = Open;
        var audit = new List<ApprovalAudit>();
        foreach (var (action, role, expected) in steps)
        {
            var result = DatasetApproval.Transition(state, action, role, Satisfied);
            Assert.True(result.Allowed, result.Message);
            audit.Add(result.Audit!);
            state = result.State;
            Assert.Equal(expected, state);
        }
        Assert.Equal(steps.Length, audit.Count);
        Assert.All(audit.Zip(audit.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From)); // an unbroken trail
    }

    [Fact]
    public void An_actor_is_required()
    {
        Assert.ThrowsAny<ArgumentException>(() => DatasetApproval.Transition(Open, Submit, County, new ApprovalContext(" ", At)));
    }
}
