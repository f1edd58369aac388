using UnityEngine;

namespace RLMiniStyler.Sample
{
    /// <summary>Keeps the sample scene moving (so frame-to-frame flicker and the lag of spreading inference
    /// over frames are visible): spins the object, or orbits it around the world origin.</summary>
    [AddComponentMenu("RLMiniStyler/Sample Motion")]
    public sealed class SampleMotion : MonoBehaviour
    {
        public Vector3 axis = Vector3.up;
        public float degreesPerSecond = 30f;
        [Tooltip("Orbit around the world origin (for the camera) instead of spinning in place.")]
        public bool orbitOrigin;

        void Update()
        {
            var angle = degreesPerSecond * Time.deltaTime;
            if (orbitOrigin)
            {
                transform.RotateAround(Vector3.zero, axis, angle);
                transform.LookAt(Vector3.zero);
            }
            else
            {
                transform.Rotate(axis, angle, Space.Self);
            }
        }
    }
}
