//! The screens and their parts, one function component per file. They read
//! the chat through `use_chat` and change it only through its verbs.

pub mod app;
pub mod button;
pub mod composer;
pub mod drawer;
pub mod landing;
pub mod lobby;
pub mod member_list;
pub mod mention_picker;
pub mod message_actions;
pub mod message_changes;
pub mod message_editor;
pub mod message_item;
pub mod message_list;
pub mod message_text;
pub mod notices;
pub mod notify_toggle;
pub mod recent_rooms;
pub mod retry_all;
pub mod room_alerts;
pub mod room_form;
pub mod room_view;
pub mod sidebar;
pub mod status_badge;
pub mod top_bar;
pub mod typing_line;

pub use app::App;
pub use composer::Composer;
pub use drawer::{Dock, Drawer};
pub use member_list::MemberList;
pub use message_item::MessageItem;
pub use message_list::MessageList;
pub use message_text::{MentionContext, MentionScope, MessageText};
pub use retry_all::RetryAll;
pub use status_badge::StatusBadge;
pub use typing_line::TypingLine;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.rs` file below `dir`.
    fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read the source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn no_code_hands_a_string_to_the_browser_as_markup() {
        // Spelled in pieces, so that this file does not find itself.
        let forbidden = [
            concat!("inner", "_html"),
            concat!("outer", "_html"),
            concat!("insert_adjacent", "_html"),
            concat!("from_html", "_unchecked"),
        ];
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        assert!(files.len() > 10, "found the sources: {files:?}");
        for file in files {
            let code = std::fs::read_to_string(&file).expect("read a source file");
            for word in forbidden {
                assert!(
                    !code.contains(word),
                    "{} uses {word}: names and messages must stay text",
                    file.display()
                );
            }
        }
    }
}
