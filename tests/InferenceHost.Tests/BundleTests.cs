using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// tools/gpu/bundle.sh and unpack.sh: the self-contained host bundle builds, verifies, reassembles and serves with no
/// .NET on the PATH; damaged bundles are refused with one line naming the damage.
/// </summary>
public sealed partial class BundleTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    [Fact]
    public async Task The_bundle_unpacks_anywhere_and_serves_a_model_on_the_cpu_without_the_dotnet_sdk()
    {
        string bundle = _temporary.File("bundle");
        Script.Result built = Script.Run("tools/gpu/bundle.sh", "--cpu-only", "--fast", bundle);
        Assert.True(built.ExitCode == 0, built.Output);
        Assert.All(Directory.GetFiles(bundle, "*.part*"), part => Assert.True(new FileInfo(part).Length <= 60L * 1024 * 1024, part));

        Script.Result unpacked = Script.Run("tools/gpu/unpack.sh", bundle, _temporary.File("anywhere"));
        Assert.True(unpacked.ExitCode == 0, unpacked.Output);
        Assert.Equal(_temporary.File("anywhere", "cltool-host"), unpacked.Output.Trim().Split('\n')[^1]);
        string host = _temporary.File("anywhere", "cltool-host", "cltool-host");
        Assert.Contains("cuda provider no", File.ReadAllText(_temporary.File("anywhere", "cltool-host", "BUNDLE")));

        string model = TinyOnnxModel.Write(_temporary.File("tiny.onnx"));
        // No dotnet, no DOTNET_ROOT: only the system's own folders.
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--model", model, "--urls", "http://127.0.0.1:0", "--grpc-urls", "none", "--device", "cpu" }) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["HOME"] = _temporary.Path;
        using Process server = Process.Start(start)!;
        try
        {
            string address = await ListeningAddress(server);
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/v2/health/ready")).StatusCode);
            float[] pixels = RunningServer.RandomImages(2, seed: 3);
            using HttpResponseMessage response = await client.PostAsJsonAsync("/v2/models/tiny/infer", RunningServer.InferBody(pixels, 2));
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            JsonNode answer = JsonNode.Parse(body)!;
            float[] served = answer["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
            float[] direct = RunningServer.Direct(model, pixels, 2);
            Assert.Equal(direct.Length, served.Length);
            Assert.All(direct.Zip(served), pair => Assert.Equal(pair.First, pair.Second, 5));
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("missing", "missing part 'cltool-host.tar.xz.part001' (listed in MANIFEST.sha256)")]
    [InlineData("corrupt", "part 'cltool-host.tar.xz.part000' is corrupt: its sha256 differs from MANIFEST.sha256")]
    [InlineData("stranger", "part 'cltool-host.tar.xz.part002' is not in MANIFEST.sha256 (a part of another bundle?)")]
    [InlineData("manifest", "the reassembled archive's sha256 differs from ARCHIVE.sha256")]
    [InlineData("no-manifest", "no MANIFEST.sha256 in")]
    public void A_damaged_bundle_is_refused_with_one_line_naming_the_damage_and_nothing_unpacked(string damage, string expected)
    {
        string bundle = FakeBundle();
        string part0 = Path.Combine(bundle, "cltool-host.tar.xz.part000"), part1 = Path.Combine(bundle, "cltool-host.tar.xz.part001");
        switch (damage)
        {
            case "missing": File.Delete(part1); break;
            case "corrupt": File.WriteAllBytes(part0, [.. File.ReadAllBytes(part0).Select((b, i) => i == 10 ? (byte)(b ^ 1) : b)]); break;
            case "stranger": File.WriteAllBytes(Path.Combine(bundle, "cltool-host.tar.xz.part002"), [1, 2, 3]); break;
            case "manifest": File.WriteAllText(Path.Combine(bundle, "ARCHIVE.sha256"), new string('0', 64) + "  cltool-host.tar.xz\n"); break;
            case "no-manifest": File.Delete(Path.Combine(bundle, "MANIFEST.sha256")); break;
        }
        string destination = _temporary.File("dest");

        Script.Result result = Script.Run("tools/gpu/unpack.sh", bundle, destination);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Output.Trim().Split('\n'));
        Assert.Contains(expected, result.Output);
        Assert.False(Directory.Exists(Path.Combine(destination, "cltool-host")));
        Assert.True(!Directory.Exists(destination) || Directory.GetFileSystemEntries(destination).Length == 0, "something was left in the destination");
    }

    /// <summary>A bundle in bundle.sh's layout whose archive holds a stand-in executable, in two parts.</summary>
    string FakeBundle()
    {
        string content = _temporary.File("content", "cltool-host");
        Directory.CreateDirectory(content);
        File.WriteAllText(Path.Combine(content, "cltool-host"), "#!/bin/sh\n" + new string('#', 5000));
        string bundle = _temporary.File("fake");
        Directory.CreateDirectory(bundle);
        Script.Result made = Script.Shell(
            $"chmod +x '{content}/cltool-host' && cd '{bundle}' && tar -C '{_temporary.File("content")}' -cf - cltool-host | xz -0 > whole && " +
            "split -n 2 -d -a 3 whole cltool-host.tar.xz.part && sha256sum cltool-host.tar.xz.part* > MANIFEST.sha256 && " +
            "echo \"$(sha256sum whole | cut -d' ' -f1)  cltool-host.tar.xz\" > ARCHIVE.sha256 && rm whole");
        Assert.True(made.ExitCode == 0, made.Output);
        return bundle;
    }

    static async Task<string> ListeningAddress(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (Listening().Match(line) is { Success: true } match) return match.Groups[1].Value;
        throw new InvalidOperationException($"the bundled host exited ({server.ExitCode}) without listening: {await server.StandardError.ReadToEndAsync()}");
    }

    [GeneratedRegex(@"^listening on (http://\S+)")]
    private static partial Regex Listening();

    public void Dispose() => _temporary.Dispose();
}
