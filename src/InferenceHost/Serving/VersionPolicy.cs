using System.Text.RegularExpressions;
using Cltool.Core.Errors;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Which numbered versions of a model are served, as Triton's <c>version_policy</c> in config.pbtxt says:
/// <c>latest { num_versions: N }</c> (the default, N = 1), <c>all {}</c> or <c>specific { versions: [1, 3] }</c>.
/// </summary>
public abstract partial record VersionPolicy
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

    /// <summary>The policy of a config.pbtxt (protobuf text format); the default when it names none.</summary>
    public static VersionPolicy FromConfig(string config, string where)
    {
        Match block = PolicyBlock().Match(config);
        if (!block.Success)
            return config.Contains("version_policy", StringComparison.Ordinal)
                ? throw Unreadable(where) : Default;
        string body = block.Groups["body"].Value;
        return block.Groups["kind"].Value switch
        {
            "latest" when NumVersions().Match(body) is { Success: true } n && int.TryParse(n.Groups[1].Value, out int count) && count > 0 => new Latest(count),
            "all" when body.Trim().Length == 0 => new All(),
            "specific" when Integers(body) is { Length: > 0 } versions => new Specific(versions),
            _ => throw Unreadable(where),
        };
    }

    /// <summary>The version numbers of a specific block (<c>versions: [1, 3]</c> or <c>versions: 1 versions: 3</c>); empty if any is not one.</summary>
    static long[] Integers(string body)
    {
        string[] tokens = Regex.Replace(body, @"versions\s*:", " ").Split([' ', ',', '[', ']', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
        var versions = new List<long>();
        foreach (string token in tokens)
        {
            if (!long.TryParse(token, out long version) || version <= 0) return [];
            versions.Add(version);
        }
        return versions.ToArray();
    }

    static CltoolException Unreadable(string where) => new(
        $"{where}: version_policy must be latest {{ num_versions: N }} (N >= 1), all {{ }} or specific {{ versions: [1, 3] }}.");

    [GeneratedRegex(@"version_policy\s*:?\s*\{\s*(?<kind>latest|all|specific)\s*:?\s*\{(?<body>[^{}]*)\}\s*\}")]
    private static partial Regex PolicyBlock();

    [GeneratedRegex(@"^\s*num_versions\s*:\s*(\d+)\s*$")]
    private static partial Regex NumVersions();
}
