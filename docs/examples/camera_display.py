# %% [markdown]
# # Camera displays in scripts and notebooks
#
# ctapipe's getting-started hands-on, with ctaviewer: open a simulation file, loop over a few
# events, show a camera image, add the Hillas ellipse, pick a pixel. The displays have
# ctapipe's interface (`from ctaviewer.display import CameraDisplay`) and are drawn by the
# application's own camera item.
#
#     python docs/examples/camera_display.py [FILE] [OUTPUT_FOLDER] [--show]
#
# writes its figures as PNG (and one SVG) to OUTPUT_FOLDER (default `out/camera_display`).
# In Jupyter, each display shows inline as the last expression of a cell; after `%gui qt`,
# `disp.show()` opens a live window instead (click pixels there).
# The `# %%` lines make cells for Jupytext, VS Code or Spyder.

# %%
import sys
from pathlib import Path

import numpy as np

from ctaviewer import open_source
from ctaviewer.display import ArrayDisplay, CameraDisplay
from ctaviewer.instrument import CameraGeometry
from ctaviewer.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
args = [a for a in sys.argv[1:] if not a.startswith("--")]
path = args[0] if args and args[0] else \
    ROOT.parent / "shared" / "data" / "simtel" / "gamma_70sst1m.simtel.zst"
out = Path(args[1]) if len(args) > 1 else ROOT / "out" / "camera_display"
out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## Open a file and loop over its events
# `open_source` picks the reader from the file content; `max_events` stops the loop early,
# as ctapipe's `EventSource(path, max_events=...)` does.

# %%
source = open_source(path, max_events=5)
pipeline = Pipeline(source.subarray)  # calibration, cleaning, Hillas parameters, stereo
brightest = (-1.0, None, None)
for event in source:
    result = pipeline.process(event)
    energy = event.simulation.energy if event.simulation is not None else float("nan")
    print(f"event {event.event_id}: {event.n_tels} telescopes, true energy {energy:.3f} TeV")
    for tel in result.tel.values():
        intensity = np.nan_to_num(tel.parameters["hillas_intensity"])
        if intensity > brightest[0]:
            brightest = (intensity, event, result)

# %% [markdown]
# ## Show an image
# The brightest image of those events. `image`, `cmap` and `norm` ("lin", "log",
# "symlog" or a matplotlib normalisation) work as in ctapipe.

# %%
_, event, result = brightest
tel_id = max(result.tel, key=lambda t: np.nan_to_num(result.tel[t].parameters["hillas_intensity"]))
tel = result.tel[tel_id]
geometry = source.subarray.tels[tel_id].camera.geometry
disp = CameraDisplay(geometry, image=tel.image, cmap="inferno",
                        title=f"event {event.event_id}, telescope {tel_id}")
disp.add_colorbar(label="charge (p.e.)")
disp.savefig(out / "image.png")
disp  # noqa: B018 (in a notebook: the picture, inline)

# %% [markdown]
# ## Clean pixels and the Hillas ellipse
# `highlight_pixels` outlines the pixels kept by the cleaning; `overlay_moments` draws the
# ellipse (one standard deviation), the psi uncertainty and a label from the image
# parameters — ours (a dict) or ctapipe's HillasParametersContainer.

# %%
disp.highlight_pixels(tel.mask, color="white", linewidth=1)
disp.overlay_moments(tel.parameters, color="cyan", linewidth=2)
disp.norm = "log"
disp.savefig(out / "image_hillas.png")
disp.savefig(out / "image_hillas.svg")  # vectors: every pixel an outline

# %% [markdown]
# ## Pick a pixel
# Override `on_pixel_clicked`, then `enable_pixel_picker()`: a click on a pixel calls it
# with the pixel's id. In a live window (`disp.show()`) click the camera; in a script
# `pick_pixel(pix_id)` does what a click does.

# %%
waveforms = event.tel[tel_id].waveform  # ADC, (gains, pixels, samples)


class WaveformPicker(CameraDisplay):
    def on_pixel_clicked(self, pix_id):
        print(f"pixel {pix_id}: charge {self.image[pix_id]:.1f} p.e.", end="")
        if waveforms is not None:
            print(f", waveform peaks at sample {int(np.argmax(waveforms[0, pix_id]))}")
        else:
            print()


picker = WaveformPicker(geometry, image=tel.image, title="click a pixel")
picker.enable_pixel_picker()
picker.pick_pixel(int(np.argmax(tel.image)))
picker.savefig(out / "picked.png")
if "--show" in sys.argv:  # a window: click pixels, close it to go on
    picker.show(block=True)

# %% [markdown]
# ## Geometries by name and the array
# `CameraGeometry.from_name` gives the cameras met in sim_telarray files without opening
# one; `ArrayDisplay` shows the telescopes on the ground, coloured by a value.

# %%
nectarcam = CameraGeometry.from_name("NectarCam")
CameraDisplay(nectarcam, image=np.random.default_rng(0).poisson(3.0, nectarcam.n_pixels),
              cmap="viridis").savefig(out / "nectarcam.png")

array = ArrayDisplay(source.subarray, radius=30)  # m (default: from the mirror area)
array.values = [result.tel[t].parameters["hillas_intensity"] if t in result.tel else np.nan
                for t in array.tel_ids]
array.add_labels()
array.savefig(out / "array.png")
print(f"figures in {out}")
