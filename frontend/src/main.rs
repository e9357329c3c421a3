//! Mounts the app on the page's `<body>`.

fn main() {
    yew::Renderer::<roomcast_web::App>::new().render();
}
