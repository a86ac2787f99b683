using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// The web page at / in a real headless browser: Debian's chromium (tools/setup.sh installs it; CLTOOL_CHROMIUM names
/// another) driven by Playwright, against the host on a loopback port with the API key on. A screenshot of the
/// classified upload is written to artifacts/test-results/ui/.
/// </summary>
public sealed class WebPageTests : IAsyncLifetime
{
    readonly TemporaryDirectory _temporary = new();
    InferenceServer _server = null!;
    IPlaywright _playwright = null!;
    IBrowser _browser = null!;

    static string Chromium => Environment.GetEnvironmentVariable("CLTOOL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"no browser at {Chromium}: tools/setup.sh installs Debian's chromium (or set CLTOOL_CHROMIUM to one).");
        var trace = new Dictionary<string, string> { ["method"] = "sdlora", ["tasks"] = "2", ["tasks_in_run"] = "5", ["adapters"] = "merged", ["dtype"] = "float32" };
        _server = await InferenceServer.StartAsync(RunningServer.Options(TinyOnnxModel.Write(_temporary.File("tiny.onnx"), trace: trace)), _ => { });
        _playwright = await Playwright.CreateAsync();
        // --no-sandbox: CI runs the suite as root, where chromium refuses its sandbox.
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
        _temporary.Dispose();
    }

    string Address => _server.Addresses[0].TrimEnd('/');

    /// <summary>A page that has been given the API key and lists the models.</summary>
    async Task<IPage> OpenWithKey()
    {
        IPage page = await _browser.NewPageAsync();
        await page.GotoAsync(Address + "/");
        await page.Locator("#key").FillAsync(RunningServer.ApiKey);
        await page.Locator("#key-form button").ClickAsync();
        await page.Locator(".model[data-model='tiny']").WaitForAsync();
        return page;
    }

    async Task<string> Upload(IPage page, string name, byte[] content)
    {
        string path = _temporary.File(name);
        await File.WriteAllBytesAsync(path, content);
        await page.Locator("#status").EvaluateAsync("status => status.textContent = ''");
        await page.SetInputFilesAsync("#file", path);
        await page.WaitForFunctionAsync("() => { const s = document.getElementById('status').textContent; return s.length > 0 && !s.startsWith('Classifying'); }");
        return await page.Locator("#status").InnerTextAsync();
    }

    [Fact]
    public async Task An_uploaded_image_shows_the_same_top1_as_the_rest_endpoint_and_the_models_card()
    {
        IPage page = await OpenWithKey();
        byte[] png = RunningServer.Png(40, 30);

        string status = await Upload(page, "gradient.png", png);
        string label = await page.Locator("#predictions tbody tr").First.Locator("td.label").InnerTextAsync();
        string percent = await page.Locator("#predictions tbody tr").First.Locator("td.bar").InnerTextAsync();
        string screenshot = Repository.File("artifacts", "test-results", "ui", "classify.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });

        using HttpClient client = RunningServer.ClientOf(_server);
        JsonObject direct = await RunningServer.ReadJson(await client.PostAsync("/v1/models/tiny/classify?top_k=1", new ByteArrayContent(png)));
        JsonNode top = direct["predictions"]![0]!;
        Assert.Equal("tiny, version 1", status);
        Assert.Equal(top["label"]!.GetValue<string>(), label);
        Assert.Equal(top["score"]!.GetValue<double>() * 100, double.Parse(percent.Replace("%", "").Trim(), CultureInfo.InvariantCulture), 2);
        Assert.Equal(5, await page.Locator("#predictions tbody tr").CountAsync());
        string card = await page.Locator(".model[data-model='tiny'] tbody tr").InnerTextAsync();
        Assert.Equal(["1", "sdlora", "2 of 5", "10", $"3 × {TinyOnnxModel.Config.ImageSize} × {TinyOnnxModel.Config.ImageSize}", "merged, float32", "CPUExecutionProvider"], card.Split('\t').Take(7));
        Assert.True(new FileInfo(screenshot).Length > 5_000);
    }

    [Fact]
    public async Task Refused_uploads_and_keys_show_the_hosts_status_and_message_never_a_blank_page()
    {
        IPage page = await OpenWithKey();

        string notAnImage = await Upload(page, "notes.txt", Encoding.UTF8.GetBytes("just some text, not an image"));
        string oversized = await Upload(page, "huge.png", new byte[RunningServer.MaxBodyBytes + 1]);
        string farOversized = await Upload(page, "huger.png", new byte[20 * RunningServer.MaxBodyBytes]);   // still answered, not a reset
        await page.EvaluateAsync("() => sessionStorage.setItem('cltool-api-key', 'wrong')");
        await page.ReloadAsync();
        await page.Locator("#key-error").WaitForAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('key-error').textContent.length > 0");

        using HttpClient client = RunningServer.ClientOf(_server);
        HttpResponseMessage direct = await client.PostAsync("/v1/models/tiny/classify", new ByteArrayContent(Encoding.UTF8.GetBytes("just some text, not an image")));
        Assert.Equal(HttpStatusCode.BadRequest, direct.StatusCode);
        Assert.Equal($"400: {(await RunningServer.ReadJson(direct))["error"]!.GetValue<string>()}", notAnImage);
        Assert.Equal("413: the request body is larger than the host's limit.", oversized);
        Assert.Equal(oversized, farOversized);
        Assert.Equal("401: the API key is wrong.", await page.Locator("#key-error").InnerTextAsync());
        Assert.True(await page.Locator("#key").IsVisibleAsync());
    }

    [Fact]
    public async Task The_pages_files_are_public_with_a_strict_policy_the_model_list_needs_the_key_and_no_ui_turns_it_off()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(Address) };
        await using InferenceServer without = await InferenceServer.StartAsync(RunningServer.Options(TinyOnnxModel.Write(_temporary.File("b.onnx"))) with { Ui = false }, _ => { });
        using HttpClient withKey = RunningServer.ClientOf(without);

        HttpResponseMessage page = await anonymous.GetAsync("/");
        HttpResponseMessage script = await anonymous.GetAsync("/ui/app.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/ui/models")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await withKey.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await withKey.GetAsync("/ui/models")).StatusCode);
        Assert.DoesNotContain("http", (await page.Content.ReadAsStringAsync()).Replace("http-equiv", ""), StringComparison.Ordinal);
    }
}
