using System.Runtime.CompilerServices;
using Snapshooter;
using Snapshooter.Xunit;

namespace Cltool.Testing;

/// <summary>
/// Snapshot matching against the files committed under <c>tests/&lt;project&gt;/__snapshots__</c>, and nothing else.
/// Snapshooter finds its folder from the caller's source path; a deterministic CI build maps that path to <c>/_/</c>,
/// where Snapshooter silently wrote a fresh snapshot on first run and later compared against that stale copy instead of
/// the committed one. Here the folder comes from the repository, and a missing snapshot fails instead of being created.
/// </summary>
public static class CommittedSnapshot
{
    public static void Match(object value, string? extension = null,
                             [CallerMemberName] string test = "", [CallerFilePath] string sourceFile = "")
    {
        // The caller's file is tests/<project>/<Class>.cs, also under a mapped path: keep only those two names.
        string project = Path.GetFileName(Path.GetDirectoryName(sourceFile))!;
        string testClass = Path.GetFileNameWithoutExtension(sourceFile);
        string projectFolder = Repository.File("tests", project);
        string fileName = $"{testClass}.{test}{(extension is null ? "" : "_" + extension)}.snap";
        string committed = Path.Combine(projectFolder, "__snapshots__", fileName);

        Assert.True(File.Exists(committed), $"no committed snapshot {committed}: a new snapshot is written by hand and reviewed, never made by a test run");
        // Snapshooter appends __snapshots__ to the folder it is given.
        Snapshot.Match(value, new SnapshotFullName(fileName, projectFolder));
    }
}
