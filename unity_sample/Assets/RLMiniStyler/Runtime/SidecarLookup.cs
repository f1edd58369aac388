// Editor only: pairs an exported .onnx with the files `rlministyler export` wrote next to it
// (OUT.json, and OUT_style.onnx for split models), so the Inspector needs only the model.
#if UNITY_EDITOR
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using System;
using System.Collections.Generic;
using System.IO;
using UnityEditor;
using UnityEngine;

namespace RLMiniStyler.Sample
{
    public static class SidecarLookup
    {
        /// <summary>Fills in the sidecar and style encoder of `entry` from the model's folder.
        /// Returns true when something was set.</summary>
        public static bool FillIn(StylerModelEntry entry)
        {
            if (entry == null || entry.model == null)
                return false;
            var path = AssetDatabase.GetAssetPath(entry.model);
            if (string.IsNullOrEmpty(path))
                return false;
            var changed = false;
            if (entry.sidecar == null)
            {
                var json = AssetDatabase.LoadAssetAtPath<TextAsset>(Path.ChangeExtension(path, ".json"));
                if (json != null)
                {
                    entry.sidecar = json;
                    changed = true;
                }
            }
            if (entry.styleEncoder == null && entry.sidecar != null)
            {
                var meta = TryParse(entry.sidecar);
                if (meta != null && meta.files != null && !string.IsNullOrEmpty(meta.files.style_encoder))
                {
                    var encoder = AssetDatabase.LoadAssetAtPath<ModelAsset>(Sibling(path, meta.files.style_encoder));
                    if (encoder != null)
                    {
                        entry.styleEncoder = encoder;
                        changed = true;
                    }
                }
            }
            return changed;
        }

        /// <summary>One entry per export sidecar found under `folder` (model and style encoder loaded from
        /// the names the sidecar gives), sorted by file name.</summary>
        public static List<StylerModelEntry> EntriesIn(string folder)
        {
            var entries = new List<StylerModelEntry>();
            if (!AssetDatabase.IsValidFolder(folder))
                return entries;
            var paths = new List<string>();
            foreach (var guid in AssetDatabase.FindAssets("t:TextAsset", new[] { folder }))
            {
                var path = AssetDatabase.GUIDToAssetPath(guid);
                if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                    paths.Add(path);
            }
            paths.Sort(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var sidecar = AssetDatabase.LoadAssetAtPath<TextAsset>(path);
                var meta = TryParse(sidecar);
                if (meta == null || meta.files == null || string.IsNullOrEmpty(meta.files.model))
                    continue;
                var entry = new StylerModelEntry();
                entry.sidecar = sidecar;
                entry.model = AssetDatabase.LoadAssetAtPath<ModelAsset>(Sibling(path, meta.files.model));
                if (!string.IsNullOrEmpty(meta.files.style_encoder))
                    entry.styleEncoder = AssetDatabase.LoadAssetAtPath<ModelAsset>(Sibling(path, meta.files.style_encoder));
                if (entry.model == null)
                {
                    Debug.LogWarning("[RLMiniStyler] " + path + " names " + meta.files.model + ", which is not " +
                                     "next to it (or not imported as a model)");
                    continue;
                }
                entries.Add(entry);
            }
            return entries;
        }

        static string Sibling(string assetPath, string fileName)
        {
            var folder = Path.GetDirectoryName(assetPath);
            return string.IsNullOrEmpty(folder) ? fileName : folder.Replace('\\', '/') + "/" + fileName;
        }

        static ExportSidecar TryParse(TextAsset sidecar)
        {
            if (sidecar == null)
                return null;
            try
            {
                var meta = JsonUtility.FromJson<ExportSidecar>(sidecar.text);
                return meta != null && meta.format == ExportSidecar.Format ? meta : null;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
    }
}
#endif
