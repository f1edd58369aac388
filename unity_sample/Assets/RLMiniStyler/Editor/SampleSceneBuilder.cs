// Menu "RLMiniStyler > Create Sample Scene": builds the sample scene in one click (a lit set of
// coloured shapes, a moving camera with the RLMiniStylerCamera component), fills in every exported
// model found in Assets/RLMiniStyler/Models and every texture in Assets/RLMiniStyler/Styles, and saves
// it as Assets/RLMiniStyler/Scenes/RLMiniStylerSample.unity. Run it again after adding models.
// In URP (the project's default) the materials use URP's Lit shader and the camera is stylised by the
// renderer feature on Settings/RLMiniStyler_URP_Renderer.asset; in the built-in pipeline by the
// component's OnRenderImage.
using System.Collections.Generic;
using RLMiniStyler.Sample;
using UnityEditor;
using UnityEditor.SceneManagement;
using UnityEngine;
using UnityEngine.Rendering;

namespace RLMiniStyler.SampleEditor
{
    public static class SampleSceneBuilder
    {
        public const string Root = "Assets/RLMiniStyler";
        public const string ModelsFolder = Root + "/Models";
        public const string StylesFolder = Root + "/Styles";
        public const string ScenesFolder = Root + "/Scenes";
        public const string ScenePath = ScenesFolder + "/RLMiniStylerSample.unity";
        public const string UrpAssetPath = Root + "/Settings/RLMiniStyler_URP.asset";

        [MenuItem("RLMiniStyler/Create Sample Scene")]
        public static void CreateSampleScene()
        {
            if (!EditorSceneManager.SaveCurrentModifiedScenesIfUserWantsTo())
                return;
            var scene = EditorSceneManager.NewScene(NewSceneSetup.DefaultGameObjects, NewSceneMode.Single);

            BuildSet();
            var camera = Camera.main;
            camera.transform.position = new Vector3(0f, 5f, -13f);
            camera.transform.LookAt(new Vector3(0f, 1f, 0f));
            var orbit = camera.gameObject.AddComponent<SampleMotion>();
            orbit.orbitOrigin = true;
            orbit.degreesPerSecond = 12f;

            var styler = camera.gameObject.AddComponent<RLMiniStylerCamera>();
            styler.models = SidecarLookup.EntriesIn(ModelsFolder);
            styler.styles = StyleTextures();

            EnsureFolder(ScenesFolder);
            EditorSceneManager.SaveScene(scene, ScenePath);
            Selection.activeGameObject = camera.gameObject;

            var message = "Saved " + ScenePath + " with " + styler.models.Count + " model(s) and " +
                          styler.styles.Count + " style texture(s).\n\nRender pipeline: " + PipelineDescription() + ".";
            if (styler.models.Count == 0)
                message += "\n\nNo exported models were found in " + ModelsFolder + ": export them there " +
                           "(unity_sample/README.md) and run this menu item again.";
            else if (styler.styles.Count == 0)
                message += "\n\nSplit and full models need a style image: put one in " + StylesFolder +
                           " and run this menu item again (or add it to Styles on the Main Camera).";
            else
                message += "\n\nPress Play. Keys: T toggles the effect, 1-9/0 pick the step, [ ] the style.";
            EditorUtility.DisplayDialog("RLMiniStyler sample", message, "OK");
        }

        static void BuildSet()
        {
            var ground = GameObject.CreatePrimitive(PrimitiveType.Plane);
            ground.name = "Ground";
            ground.transform.localScale = new Vector3(3f, 1f, 3f);
            Paint(ground, new Color(0.55f, 0.55f, 0.5f));

            var shapes = new[] { PrimitiveType.Cube, PrimitiveType.Sphere, PrimitiveType.Cylinder, PrimitiveType.Capsule };
            const int count = 12;
            for (var i = 0; i < count; i++)
            {
                var angle = i * Mathf.PI * 2f / count;
                var shape = GameObject.CreatePrimitive(shapes[i % shapes.Length]);
                shape.name = "Shape " + i;
                shape.transform.position = new Vector3(Mathf.Cos(angle) * 6f, 1f, Mathf.Sin(angle) * 6f);
                shape.transform.localScale = Vector3.one * (1.2f + 0.4f * (i % 3));
                Paint(shape, Color.HSVToRGB(i / (float)count, 0.75f, 0.95f));
                var spin = shape.AddComponent<SampleMotion>();
                spin.axis = new Vector3(0.3f, 1f, 0.2f);
                spin.degreesPerSecond = 20f + 10f * (i % 4);
            }

            var centre = GameObject.CreatePrimitive(PrimitiveType.Cube);
            centre.name = "Centre";
            centre.transform.position = new Vector3(0f, 1.5f, 0f);
            centre.transform.localScale = new Vector3(2.5f, 3f, 2.5f);
            Paint(centre, new Color(0.9f, 0.9f, 0.85f));
        }

        static string PipelineDescription()
        {
            var pipeline = GraphicsSettings.currentRenderPipeline;
            if (pipeline == null)
                return "built-in (the RLMiniStylerCamera component stylises in OnRenderImage)";
            var path = AssetDatabase.GetAssetPath(pipeline);
            return path == UrpAssetPath
                ? "URP, " + path + " (its renderer has the RLMiniStyler renderer feature)"
                : pipeline.name + " (" + path + "): make sure its renderer has the RLMiniStyler renderer feature";
        }

        static void Paint(GameObject go, Color color)
        {
            var shader = Shader.Find(GraphicsSettings.currentRenderPipeline != null
                ? "Universal Render Pipeline/Lit" : "Standard");
            if (shader == null)
                return;
            var material = new Material(shader);
            material.color = color;
            go.GetComponent<Renderer>().sharedMaterial = material;
        }

        static List<Texture> StyleTextures()
        {
            var textures = new List<Texture>();
            if (!AssetDatabase.IsValidFolder(StylesFolder))
                return textures;
            var paths = new List<string>();
            foreach (var guid in AssetDatabase.FindAssets("t:Texture2D", new[] { StylesFolder }))
                paths.Add(AssetDatabase.GUIDToAssetPath(guid));
            paths.Sort(System.StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var texture = AssetDatabase.LoadAssetAtPath<Texture2D>(path);
                if (texture != null)
                    textures.Add(texture);
            }
            return textures;
        }

        static void EnsureFolder(string folder)
        {
            if (AssetDatabase.IsValidFolder(folder))
                return;
            var slash = folder.LastIndexOf('/');
            var parent = folder.Substring(0, slash);
            EnsureFolder(parent);
            AssetDatabase.CreateFolder(parent, folder.Substring(slash + 1));
        }
    }
}
