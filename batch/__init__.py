"""``rlministyler batch``: stylise folders of images and videos on Ray (a local cluster by default),
resumable, each file written atomically; the runtime's ``Stylizer`` does the work in each actor."""
