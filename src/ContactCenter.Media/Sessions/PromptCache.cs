using System.Collections.Concurrent;
using ContactCenter.Media.Audio;

namespace ContactCenter.Media.Sessions;

/// <summary>Decoded prompts by full path, reloaded when the file changes.</summary>
internal sealed class PromptCache
{
    private readonly ConcurrentDictionary<string, (DateTime Written, short[] Samples)> prompts = new(StringComparer.Ordinal);

    public short[] Get(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Prompt '{path}' does not exist.", full);
        }

        DateTime written = File.GetLastWriteTimeUtc(full);
        if (prompts.TryGetValue(full, out var cached) && cached.Written == written)
        {
            return cached.Samples;
        }

        short[] samples = WavFile.ReadPrompt(full);
        prompts[full] = (written, samples);
        return samples;
    }
}
