using Cltool.Core.Errors;
using Cltool.InferenceHost.Protocol.Grpc;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Which numbered versions of a model are served, as Triton's <c>version_policy</c> in config.pbtxt says:
/// <c>latest { num_versions: N }</c> (the default, N = 1), <c>all {}</c> or <c>specific { versions: [1, 3] }</c>.
/// </summary>
public abstract record VersionPolicy
{
    public sealed record Latest(int Count) : VersionPolicy;
    public sealed record All : VersionPolicy;
    public sealed record Specific(IReadOnlyList<long> Versions) : VersionPolicy;

    public static readonly VersionPolicy Default = new Latest(1);

    /// <summary>The versions to serve among those on disk, highest first.</summary>
    public IReadOnlyList<long> Select(IEnumerable<long> available)
    {
        long[] descending = available.OrderDescending().ToArray();
        return this switch
        {
            Latest latest => descending.Take(latest.Count).ToArray(),
            Specific specific => descending.Where(specific.Versions.Contains).ToArray(),
            _ => descending,
        };
    }

    /// <summary>The policy a parsed config.pbtxt names (null or unset: the default); <paramref name="where"/> names the file in errors.</summary>
    public static VersionPolicy Of(ModelVersionPolicy? policy, string where) => policy?.PolicyChoiceCase switch
    {
        null or ModelVersionPolicy.PolicyChoiceOneofCase.None => Default,
        ModelVersionPolicy.PolicyChoiceOneofCase.Latest when policy.Latest.NumVersions > 0 => new Latest((int)Math.Min(policy.Latest.NumVersions, int.MaxValue)),
        ModelVersionPolicy.PolicyChoiceOneofCase.All => new All(),
        ModelVersionPolicy.PolicyChoiceOneofCase.Specific when policy.Specific.Versions.Count > 0 && policy.Specific.Versions.All(v => v > 0) => new Specific(policy.Specific.Versions.ToArray()),
        _ => throw new CltoolException($"{where}: version_policy must be latest {{ num_versions: N }} (N >= 1), all {{ }} or specific {{ versions: [1, 3] }} (positive versions)."),
    };
}
