using System.Runtime.InteropServices;
using Cltool.Core.Errors;
using SkiaSharp;

namespace Cltool.Core.Imaging;

/// <summary>Decodes JPEG, PNG, WebP, BMP (and GIF's first frame) with SkiaSharp into RGB.</summary>
public static class ImageDecoder
{
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp"];

    /// <summary>Reads only the header: the size, or null when the bytes are not an image Skia can decode.</summary>
    public static (int Width, int Height)? Probe(string path)
    {
        using SKCodec? codec = SKCodec.Create(path);
        return codec is null ? null : (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Like <see cref="Probe(string)"/>, for bytes in memory (an upload).</summary>
    public static (int Width, int Height)? ProbeBytes(byte[] bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        using SKCodec? codec = SKCodec.Create(data);
        return codec is null ? null : (codec.Info.Width, codec.Info.Height);
    }

    public static RgbImage Decode(string path, long maxPixels = long.MaxValue)
    {
        using SKCodec? codec = SKCodec.Create(path);
        return Decode(codec, $"Image '{path}'", maxPixels);
    }

    public static RgbImage Decode(byte[] bytes, string what, long maxPixels = long.MaxValue)
    {
        using var data = SKData.CreateCopy(bytes);
        using SKCodec? codec = SKCodec.Create(data);
        return Decode(codec, what, maxPixels);
    }

    /// <summary>
    /// Alpha is dropped as Pillow's convert("RGB") does (no compositing). The size is checked before any pixel is
    /// decoded, so a small file that claims a huge image (a decompression bomb) costs nothing.
    /// </summary>
    static RgbImage Decode(SKCodec? codec, string what, long maxPixels)
    {
        if (codec is null) throw new CltoolException($"{what} is not a decodable image (expected JPEG, PNG, WebP or BMP).");
        int width = codec.Info.Width, height = codec.Info.Height;
        if ((long)width * height > maxPixels)
            throw new CltoolException($"{what} is {width}x{height} = {(long)width * height} pixels, more than the limit of {maxPixels}.");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        GCHandle pin = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult result;
        try
        {
            result = codec.GetPixels(info, pin.AddrOfPinnedObject());
        }
        finally
        {
            pin.Free();
        }
        if (result != SKCodecResult.Success)
            throw new CltoolException($"{what} could not be decoded: {Describe(result)}.");
        var rgb = new byte[width * height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(width, height, rgb);
    }

    static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput => "the image data is corrupt",
        _ => result.ToString(),
    };
}
