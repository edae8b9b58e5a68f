<?cs # layout.cs: the frame every page shares (head, navigation, footer). ?>
<?cs include:"macros.cs" ?>
<?cs def:layout_top() ?><!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.Title ?> · hookline</title>
<link rel="stylesheet" href="<?cs var:Site.Base ?>/static/hookline.css">
<script src="<?cs var:Site.Base ?>/static/hookline.js" defer></script>
<link rel="icon" href="<?cs var:Site.Base ?>/static/logo.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="<?cs var:Site.Base ?>"><img src="<?cs var:Site.Base ?>/static/logo.svg" alt="" width="24" height="24"> hookline</a>
<?cs if:Session.Email ?>
<nav aria-label="Main">
<a href="<?cs var:Site.Base ?>"<?cs if:Page.Nav == "home" ?> aria-current="page"<?cs /if ?>>Overview</a>
<a href="<?cs var:Site.Base ?>/manage"<?cs if:Page.Nav == "manage" ?> aria-current="page"<?cs /if ?>>Manage</a>
<a href="<?cs var:Site.Base ?>/events"<?cs if:Page.Nav == "events" ?> aria-current="page"<?cs /if ?>>Events</a>
<a href="<?cs var:Site.Base ?>/deliveries"<?cs if:Page.Nav == "deliveries" ?> aria-current="page"<?cs /if ?>>Deliveries</a>
<a href="<?cs var:Site.Base ?>/analytics"<?cs if:Page.Nav == "analytics" ?> aria-current="page"<?cs /if ?>>Analytics</a>
<a href="<?cs var:Site.Base ?>/incoming"<?cs if:Page.Nav == "incoming" ?> aria-current="page"<?cs /if ?>>Incoming</a>
<a href="<?cs var:Site.Base ?>/testing"<?cs if:Page.Nav == "testing" ?> aria-current="page"<?cs /if ?>>Testing</a>
</nav>
<form class="logout" method="post" action="<?cs var:Site.Base ?>/logout">
<?cs call:csrf_field() ?>
<span class="who"><?cs var:Session.Email ?> (<?cs var:Session.Role ?>)</span>
<button type="submit" class="link">Log out</button>
</form>
<?cs /if ?>
</header>
<main id="main">
<?cs /def ?>
<?cs def:layout_bottom() ?>
</main>
<footer class="foot">hookline <?cs var:Site.Version ?></footer>
</body>
</html>
<?cs /def ?>
