using System.Diagnostics;
using System.Text.Json;
using Cltool.Core.Imaging;

namespace Cltool.Core.Tests;

/// <summary>
/// The resampler against Pillow itself (Debian's python3-pil, run here on random noise, where bicubic overshoots most):
/// every output byte equals Pillow's RGB resample, the one torchvision's transforms call.
/// </summary>
public sealed class PillowResampleTests
{
    const string Script = """
        import json, sys
        from PIL import Image
        w, h, bx, by, bw, bh, ow, oh, name = json.loads(sys.argv[1])
        rgb = Image.frombytes('RGB', (w, h), sys.stdin.buffer.read())
        f = {'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC}[name]
        box = (bx, by, bx + bw, by + bh)
        resized = rgb.resize((ow, oh), f, box=box)
        print(json.dumps([list(resized.getchannel(c).getdata()) for c in range(3)]))
        """;

    [Theory]
    [InlineData(37, 29, 0.0, 0.0, 37.0, 29.0, 16, 16, Interpolation.Bilinear)]   // downsampling: the filter widens
    [InlineData(37, 29, 0.0, 0.0, 37.0, 29.0, 16, 16, Interpolation.Bicubic)]
    [InlineData(7, 5, 0.0, 0.0, 7.0, 5.0, 19, 13, Interpolation.Bicubic)]        // upsampling
    [InlineData(40, 30, 5.0, 3.0, 21.0, 17.0, 12, 9, Interpolation.Bilinear)]    // a RandomResizedCrop box
    [InlineData(40, 30, 2.5, 1.25, 30.5, 20.0, 24, 24, Interpolation.Bicubic)]   // a fractional box, other aspect
    public void Resizing_matches_pillow(int width, int height, double x, double y, double boxWidth, double boxHeight, int outWidth, int outHeight,
                                        Interpolation filter)
    {
        var random = new Random(width * 1000 + outWidth);
        var image = new RgbImage(width, height, Enumerable.Range(0, width * height * 3).Select(_ => (byte)random.Next(256)).ToArray());

        float[] ours = Resampler.Resize(image, x, y, boxWidth, boxHeight, outWidth, outHeight, filter);
        double[] pillow = Pillow(image, [width, height, x, y, boxWidth, boxHeight, outWidth, outHeight, filter.ToString().ToLowerInvariant()]);

        Assert.Equal(pillow, ours.Select(v => (double)v));
    }

    static double[] Pillow(RgbImage image, object[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(JsonSerializer.Serialize(arguments));
        using Process python = Process.Start(start)!;
        python.StandardInput.BaseStream.Write(image.Pixels);
        python.StandardInput.Close();
        string output = python.StandardOutput.ReadToEnd(), errors = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"python3 with python3-pil (tools/setup.sh installs it) failed: {errors}");
        using JsonDocument planes = JsonDocument.Parse(output);
        return planes.RootElement.EnumerateArray().SelectMany(p => p.EnumerateArray().Select(v => v.GetDouble())).ToArray();
    }
}
